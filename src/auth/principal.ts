export const ROLES = ['viewer', 'agent', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, from the verified JWT. */
export interface Principal {
  sub: string;
  roles: Role[];
  /** The platform agent number an `agent` (or supervisor) acts as. */
  agentNumber?: string;
}

/** A role also grants the roles below it: admin ⊇ supervisor ⊇ agent, viewer. */
const GRANTS: Record<Role, Role[]> = {
  viewer: ['viewer'],
  agent: ['agent'],
  supervisor: ['supervisor', 'agent', 'viewer'],
  admin: ['admin', 'supervisor', 'agent', 'viewer'],
};

export function hasAnyRole(principal: Principal, wanted: readonly Role[]): boolean {
  if (wanted.length === 0) return true;
  return principal.roles.some((r) => GRANTS[r].some((g) => wanted.includes(g)));
}
