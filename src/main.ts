import 'reflect-metadata';
import './observability/start-tracing'; // first: tracing (when configured) must patch modules before they load
import { randomBytes } from 'node:crypto';
import { startGateway, type Gateway } from './app';
import { mintToken } from './auth/jwt';
import { ConfigError, loadConfig, type Config } from './config';
import { features } from './features';
import { StartupError } from './http/listen';
import { createLogger, logDestination } from './logger';
import type { Sandbox } from '../sandbox/server';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, logDestination(config.sandbox));
  let sandbox: Sandbox | undefined;
  if (config.sandbox) {
    // Loaded only here: a deployment with VCALL_BASE_URL never loads the simulator.
    const { startSandbox } = await import('../sandbox/server.js');
    sandbox = await startSandbox({ agentTraffic: { agents: 20, changesPerSecond: 4 }, ivrTraffic: { callsPerMinute: 12 } });
    const creds = sandbox.credentials;
    config = {
      ...config,
      upstream: sandbox.urls,
      accessKeyId: creds.accessKeyId,
      accessKeySecret: creds.accessKeySecret,
      companyId: config.companyId ?? creds.companyId,
      hookSecret: config.hookSecret ?? randomBytes(16).toString('hex'),
      jwtSecret: config.jwtSecret ?? (config.jwksUrl ? undefined : randomBytes(32).toString('hex')),
    };
    logger.info({ sandbox: sandbox.url }, 'sandbox mode: no VCALL_BASE_URL, the embedded sandbox platform is the upstream');
  }

  const gateway: Gateway = await startGateway({ config, logger, features });
  if (sandbox) {
    sandbox.callbacks.configure({ hookUrl: `${gateway.url}/hooks/${config.hookSecret}` });
    if (config.jwtSecret) {
      const admin = await mintToken(config.jwtSecret, { sub: 'sandbox-admin', roles: ['admin'] });
      const viewer = await mintToken(config.jwtSecret, { sub: 'sandbox-wallboard', roles: ['viewer'] });
      process.stdout.write(
        `\nocc-gateway (sandbox) at ${gateway.url}/graphql\n` +
          `wallboard (open it; a viewer token, 12 h):\n  ${gateway.url}/wallboard#token=${viewer}\n` +
          (config.explorer ? `explorer (GraphiQL; the admin token):\n  ${gateway.url}/explorer#token=${admin}\n` : '') +
          `admin token (12 h):\n  Authorization: Bearer ${admin}\n` +
          `mint others with: AUTH_JWT_SECRET=${config.jwtSecret} npm run token -- --role agent --agent 1001\n\n`,
      );
    }
  }

  // SIGTERM (a rolling upgrade, a scale-down) or SIGINT: readiness 503 at once, keep serving for the
  // drain so the load balancer moves away, then stop (src/app.ts close: 1012 to sockets, in-flight
  // requests given SHUTDOWN_TIMEOUT_MS). Exit 0 when it went so; 1 only if closing itself hangs.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const { drainMs, timeoutMs } = config.shutdown;
    gateway.beginShutdown();
    logger.info({ signal, drainMs, timeoutMs }, 'shutting down: not ready, draining');
    const force = setTimeout(
      () => {
        logger.error('shutdown did not complete in time: exiting');
        process.exit(1);
      },
      drainMs + timeoutMs + 10_000,
    );
    force.unref();
    await new Promise((resolve) => setTimeout(resolve, drainMs));
    logger.info('drained: closing');
    await gateway.close();
    await sandbox?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

// A start-up failure is one line (no stack trace: StartupError messages say what to change) and exit code 2.
main().catch((err: Error) => {
  const reason = err instanceof StartupError ? err.message : err.message.split('\n')[0];
  process.stderr.write(`occ-gateway failed to start: ${reason}\n`);
  process.exit(2);
});
