import { parseArgs } from 'node:util';
import { mintToken } from '../auth/jwt';
import { ROLES, type Role } from '../auth/principal';

/** npm run token -- --role agent --agent 1001 [--sub name] [--ttl 12h]; reads AUTH_JWT_SECRET. */
async function main() {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', multiple: true, default: ['admin'] },
      agent: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '12h' },
    },
  });
  const secret = process.env.AUTH_JWT_SECRET;
  if (!secret) {
    process.stderr.write('AUTH_JWT_SECRET is not set (npm start prints the value it uses in sandbox mode)\n');
    process.exit(2);
  }
  const roles = values.role as string[];
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length) {
    process.stderr.write(`unknown role ${unknown.join(', ')}; roles are ${ROLES.join(', ')}\n`);
    process.exit(2);
  }
  if (roles.includes('agent') && !values.agent) {
    process.stderr.write('an agent token needs --agent <agentNumber>\n');
    process.exit(2);
  }
  const token = await mintToken(
    secret,
    { sub: values.sub ?? (values.agent ? `agent-${values.agent}` : roles[0]), roles: roles as Role[], agentNumber: values.agent },
    values.ttl,
  );
  process.stdout.write(`${token}\n`);
}

void main();
