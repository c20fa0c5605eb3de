'use strict';
// Anchor 1: bare Fastify 5, no logger, one route.
const Fastify = require('fastify');

async function main() {
  const app = Fastify({ logger: false });
  app.get('/health/live', async () => ({ status: 'ok' }));
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`Server listening at ${address}\n`);
  const close = () => app.close().then(() => process.exit(0));
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

main().catch((err) => {
  process.stderr.write(`fastify-bare failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
