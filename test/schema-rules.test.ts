import { buildSchema } from 'graphql';
import { buildGatewaySchema } from '../src/build-schema';
import { schemaBreaches } from './support/schema-rules';

describe('schema rules (docs/architecture.md)', () => {
  it('the gateway schema breaks none', async () => {
    expect(schemaBreaches(await buildGatewaySchema())).toEqual([]);
  });

  it('each rule catches its breach', () => {
    const bad = buildSchema(`
      scalar DateTime
      scalar Phone
      enum CallParty { CALLER }
      type AgentAccount { id: String }
      type Call { startTime: DateTime endedOn: DateTime duration: Int sequence: Float status: String hungUpBy: String areaCode: Int }
      type Ack { sequence: String! agentNumber: String }
      input Filter { called: String createdFrom: DateTime }
      type Query { call(after: String): Call! ack: Ack agent: AgentAccount filter(f: Filter): Int }
    `);
    const breaches = schemaBreaches(bad).join('\n');
    for (const expected of [
      'Call.startTime: the schema says startedAt',
      'Call.endedOn: a DateTime ends in At or Since',
      'Call.duration: a duration ends in Seconds or Ms',
      'Call.status: a value from a fixed set is an enum, not String',
      'Call.hungUpBy: who hung up is a CallParty, not String',
      'Call.areaCode: an area code is a String',
      'Ack.agentNumber: an agent number is an ID, not String',
      'Query.call(after): a cursor is an ID, not String',
      'Filter.called: an input phone number is a Phone, not String',
      'Query.call: root Query fields are nullable',
      'AgentAccount.id: id is ID!, not String',
      'sequence: one type everywhere',
      'SkillGroup: listed as an identity type but not in the schema',
    ]) {
      expect(breaches).toContain(expected);
    }
    expect(breaches).not.toContain('Filter.createdFrom');
  });
});
