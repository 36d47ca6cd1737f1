import Fastify from 'fastify';

/**
 * The same-run baseline for submissions: a bare Fastify server whose POST /api/jobs parses the
 * JSON body and answers 202 with a small JSON object — no auth, no validation, no queue, no disk.
 * What LM Queue reaches as a fraction of this is the number that travels between machines.
 */
export async function startBareFastify(): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  let accepted = 0;
  app.post('/api/jobs', async (request, reply) => {
    const body = request.body as { model?: unknown };
    accepted++;
    return reply.code(202).send({ job: { id: `bare_${accepted}`, model: body.model, state: 'queued' } });
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: address, close: () => app.close() };
}
