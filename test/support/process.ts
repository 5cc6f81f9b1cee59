import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SandboxApi } from './sandbox';

export const MAIN_JS = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  /** Every line the process printed (stdout and stderr). */
  output: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function assertBuilt(): void {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run "npm run build" (npm test does it in pretest)`);
}

/** Runs the compiled gateway as its own process, as production does. Resolves once it listens. */
export async function startGatewayProcess(env: Record<string, string>, main = MAIN_JS): Promise<GatewayProcess> {
  assertBuilt();
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        output.push(line);
        const m = /"msg":"gateway listening"/.test(line) ? /"port":(\d+)/.exec(line) : null;
        if (m) resolve(`http://127.0.0.1:${m[1]}`);
      }
    };
    child.stdout!.on('data', onLine);
    child.stderr!.on('data', onLine);
    void exited.then((code) => reject(new Error(`gateway exited with ${code}: ${output.join('\n')}`)));
  });
  return {
    child,
    url,
    output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the compiled gateway expecting it to refuse to start; resolves with its exit code and output. */
export async function runToExit(
  env: Record<string, string>,
  timeoutMs = 15_000,
  main = MAIN_JS,
): Promise<{ code: number | null; output: string }> {
  assertBuilt();
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output };
}

/** A gateway process in sandbox mode: its embedded sandbox (from its log) and the admin token it printed. */
export async function sandboxOf(gateway: GatewayProcess): Promise<{ api: SandboxApi; token: string }> {
  for (let i = 0; i < 100; i++) {
    const sandbox = gateway.output.map((l) => /"sandbox":"([^"]+)"/.exec(l)?.[1]).find(Boolean);
    const token = gateway.output.map((l) => /Authorization: Bearer (\S+)/.exec(l)?.[1]).find(Boolean);
    if (sandbox && token) return { api: new SandboxApi(sandbox), token };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no sandbox URL or admin token printed:\n${gateway.output.join('\n')}`);
}
