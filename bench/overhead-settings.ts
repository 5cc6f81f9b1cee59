/** What bench/overhead.ts and its A/B companion bench/overhead-ab.ts run the gateway with (one place). */

export const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
export const CREDENTIALS = { accessKeyId: 'bench-access-key', accessKeySecret: 'bench-access-secret', companyId: '10001' };
/** The main case's operation. */
export const SKILL_GROUPS_QUERY = '{ skillGroups(page: 1, pageSize: 10) { total records { sn name agentTotal } } }';
/** Rate limits off; everything else (operation limits, resilience, lookups) at its default. */
export const GATEWAY_SETTINGS: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  HOOK_SECRET: 'bench-hook-secret',
  AUTH_JWT_SECRET: SECRET,
  RATE_LIMIT_OPERATIONS_PER_MINUTE: '0',
  RATE_LIMIT_BILLED_PER_MINUTE: '0',
};
