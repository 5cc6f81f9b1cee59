import { registerEnumType } from 'type-graphql';

/**
 * A party of a call: who hung up or released it (`hungUpBy`), who placed it. One vocabulary for every
 * call record; the normaliser of each callback maps the platform's own values (listed per value).
 */
export enum CallParty {
  PLATFORM = 'PLATFORM',
  CUSTOMER = 'CUSTOMER',
  AGENT = 'AGENT',
  CALLER = 'CALLER',
  CALLEE = 'CALLEE',
  TEL_A = 'TEL_A',
  TEL_B = 'TEL_B',
  UNKNOWN = 'UNKNOWN',
  OTHER = 'OTHER',
}
registerEnumType(CallParty, {
  name: 'CallParty',
  description: 'A party of a call: who hung up (`hungUpBy`), who called (`callingRole`, `callingType`)',
  valuesConfig: {
    PLATFORM: { description: 'The platform (system) itself: AgentCallEnd hangupDirection 0 (系统), PnsCallEnd releaseDir 3 (平台结束)' },
    CUSTOMER: { description: 'The customer an agent talks to: AgentCallEnd hangupDirection 1 (用户)' },
    AGENT: { description: 'The agent: AgentCallEnd hangupDirection 2 (坐席)' },
    CALLER: { description: 'The calling party: PnsCallEnd releaseDir 1 (主叫结束)' },
    CALLEE: { description: 'The called party: PnsCallEnd releaseDir 2 (被叫结束)' },
    TEL_A: { description: 'Party A (telA): BidirectionalCallEnd hangupDirection 1 (A路), direct-call telA, privacy callingRole 1' },
    TEL_B: { description: 'Party B (telB): BidirectionalCallEnd hangupDirection 2 (B路), direct-call telB, privacy callingRole 2' },
    UNKNOWN: { description: 'The platform says it does not know: PnsCallEnd releaseDir 0 or callingRole 0 (未知)' },
    OTHER: { description: 'A value the spec does not list: the platform… field beside it has the raw value' },
  },
});
