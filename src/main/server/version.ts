import packageJson from '../../../package.json' with { type: 'json' };

/** LM Queue's version, as /api/health reports it. */
export const LMQ_VERSION: string = packageJson.version;
