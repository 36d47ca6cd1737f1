import { CallerSchema } from '../tokens';
import { handlerSpec, NoArgsSchema } from './handler-spec';

export const SESSION_HANDLERS = {
  'session.whoami': handlerSpec({ args: NoArgsSchema, result: CallerSchema, summary: 'Who am I (owner, role, highest priority)' }),
};
