import { buildGatewaySchema } from '../src/build-schema';
import { buildSchema, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { Sensitivity } from '../src/schema/sensitivity';
import { schemaBreaches, sensitivityBreaches } from './support/schema-rules';

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

  it('personal data: the gateway schema declares the sensitivity of every field that looks personal', async () => {
    expect(sensitivityBreaches(await buildGatewaySchema())).toEqual([]);
  });

  it('personal data: each rule catches its breach', () => {
    const call = new GraphQLObjectType({
      name: 'LeakyCall',
      fields: {
        called: { type: new GraphQLNonNull(GraphQLString) },
        recordingUrl: { type: new GraphQLNonNull(GraphQLString), extensions: { sensitivity: Sensitivity.RECORDING } },
        displayNumber: { type: GraphQLString, extensions: { sensitivity: Sensitivity.NOT_PERSONAL } },
        caller: { type: new GraphQLNonNull(GraphQLString), extensions: { sensitivity: Sensitivity.CUSTOMER_PHONE } },
      },
    });
    const schema = new GraphQLSchema({ query: new GraphQLObjectType({ name: 'Query', fields: { leaky: { type: call } } }) });
    expect(sensitivityBreaches(schema)).toEqual([
      'LeakyCall.called: looks personal but declares no sensitivity',
      'LeakyCall.recordingUrl: recording is null for viewers, so nullable',
      'LeakyCall.displayNumber: not personal, but says not why',
    ]);
  });
});
