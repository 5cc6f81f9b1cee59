import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { PID_FILE, stopGroups } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  await stopGroups();
  if (!existsSync(PID_FILE)) return;
  const pid = Number(readFileSync(PID_FILE, 'utf8'));
  unlinkSync(PID_FILE);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
