import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  graphqlSync,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { fieldSensitivity } from '../../src/apply-sensitivity';
import { NULLED_FOR_VIEWERS, Sensitivity } from '../../src/schema/sensitivity';

/**
 * The schema rules of docs/architecture.md ("Schema rules"), checked on the schema as clients see it
 * (introspected). Each breach is one line: `Type.field: what is wrong`.
 */

/** Types with a stable identity: each has `id: ID!` so a client cache normalises it without type policies. */
export const IDENTITY_TYPES = [
  'AgentAccount',
  'SkillGroup',
  'LiveAgent',
  'TaskState',
  'TaskCallRecord',
  'VoiceTemplate',
  'SmsTemplate',
  'FlashTemplate',
  'SentSms',
  'SentFlashSms',
  'PrivacyBinding',
  'IvrRoute',
  'IvrBlacklistEntry',
];

/** Names that say one concept in a second way: the name the schema uses instead. */
export const ONE_NAME_PER_CONCEPT: Record<string, string> = {
  displayCaller: 'displayNumber',
  callerNumber: 'displayNumber',
  callAgentType: 'answerMode',
  beganAt: 'startedAt',
  startTime: 'startedAt',
  ringingTime: 'ringingAt',
  answerTime: 'answeredAt',
  endTime: 'endedAt',
  eventTime: 'occurredAt',
  loginTime: 'loggedInAt',
  hangupBy: 'hungUpBy',
  releasedBy: 'hungUpBy',
};

/** Field names whose values come from a fixed set, so they are enums. */
const FIXED_SET =
  /^(status|state|type|kind|mode|direction|role|outcome|event|request|nowState|activity)$|(Status|State|Type|Kind|Mode|Direction|Role)$/;
/** Exceptions to FIXED_SET: the platform's raw value kept beside the enum, and values that are not from a fixed set. */
const FREE_STRINGS = /^platform[A-Z]|^contentType$/;

/** Input names that carry a phone number (agent numbers, SIP ids and caller prefixes are not phone numbers). */
const PHONE_INPUT =
  /^(phone|phones|number|numbers|caller|called|callee|mobile|tel[ABX]?|displayNumber|callingNumber|calledNumber|transferTo)$/;

const DATE_OUTPUT = /(At|Since)$|^since$/;
const DATE_INPUT = /(At|Since|From|To)$|^since$/;

type AnyField = GraphQLField<unknown, unknown> | GraphQLInputField | GraphQLArgument;

export function introspected(schema: GraphQLSchema): GraphQLSchema {
  const result = graphqlSync({ schema, source: getIntrospectionQuery() });
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('; '));
  return buildClientSchema(result.data as unknown as IntrospectionQuery);
}

export function schemaBreaches(built: GraphQLSchema): string[] {
  const schema = introspected(built);
  const breaches: string[] = [];
  const sequenceTypes = new Map<string, string[]>();

  const check = (where: string, f: AnyField, input: boolean) => {
    const named = getNamedType(f.type).name;
    const wrong = (what: string) => breaches.push(`${where}: ${what}`);
    if (named === 'DateTime' && !(input ? DATE_INPUT : DATE_OUTPUT).test(f.name)) {
      wrong(`a DateTime ${input ? 'input ' : ''}ends in ${input ? 'At, Since, From or To' : 'At or Since'}`);
    }
    if (/duration/i.test(f.name) && !/(Seconds|Ms)$/.test(f.name)) wrong('a duration ends in Seconds or Ms');
    if ((f.name === 'cursor' || f.name === 'after' || /Cursor$/.test(f.name)) && named !== 'ID') wrong(`a cursor is an ID, not ${named}`);
    if (/^agentNumber$|AgentNumber$/.test(f.name) && named !== 'ID') wrong(`an agent number is an ID, not ${named}`);
    if (f.name === 'areaCode' && named !== 'String') wrong(`an area code is a String (its leading 0 matters), not ${named}`);
    if (f.name === 'sequence') sequenceTypes.set(String(f.type), [...(sequenceTypes.get(String(f.type)) ?? []), where]);
    if (f.name === 'hungUpBy' && named !== 'CallParty') wrong(`who hung up is a CallParty, not ${named}`);
    const preferred = ONE_NAME_PER_CONCEPT[f.name];
    if (preferred) wrong(`the schema says ${preferred}`);
    if (FIXED_SET.test(f.name) && !FREE_STRINGS.test(f.name) && (named === 'String' || named === 'Int' || named === 'Float')) {
      wrong(`a value from a fixed set is an enum, not ${named}`);
    }
    if (input && PHONE_INPUT.test(f.name) && named !== 'Phone') wrong(`an input phone number is a Phone, not ${named}`);
    if (f.name === 'id' && String(f.type) !== 'ID!') wrong(`id is ID!, not ${String(f.type)}`);
  };

  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        check(`${type.name}.${field.name}`, field, false);
        for (const arg of field.args) check(`${type.name}.${field.name}(${arg.name})`, arg, true);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) check(`${type.name}.${field.name}`, field, true);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (!/^[A-Z][A-Z0-9_]*$/.test(value.name)) breaches.push(`${type.name}.${value.name}: enum values are SCREAMING_CASE`);
      }
    }
  }

  for (const field of Object.values(schema.getQueryType()!.getFields())) {
    if (isNonNullType(field.type))
      breaches.push(`Query.${field.name}: root Query fields are nullable (one failing field must not null the others)`);
  }
  for (const name of IDENTITY_TYPES) {
    const type = schema.getType(name);
    if (!type || !isObjectType(type)) breaches.push(`${name}: listed as an identity type but not in the schema`);
    else if (String(type.getFields().id?.type) !== 'ID!') breaches.push(`${name}.id: a type with a stable identity has id: ID!`);
  }
  if (sequenceTypes.size > 1) {
    breaches.push(`sequence: one type everywhere, found ${[...sequenceTypes].map(([t, at]) => `${t} (${at.join(', ')})`).join('; ')}`);
  }
  return breaches;
}

/**
 * Personal-data rules (docs/architecture.md "Personal data"), checked on the built schema: field
 * extensions do not survive introspection. A field whose name says it holds a phone number, message
 * text, a recording, dialogue, raw platform data or a credential declares its sensitivity (or that
 * it is not personal, with the reason); a field a viewer sees as null is nullable.
 */
export const PERSONAL_BY_NAME =
  /^(caller|called|calling|callingNumber|calledNumber|originalCaller|originalCalled|phone|mobile|peerNumber|number|tel[A-Z]?|displayNumber|content|replyContent|text|keys|output|recordingUrl|downloadUrls|rawData|rawBody|sipPassword|webrtcSipPassword|password|token|secret)$/;

export function sensitivityBreaches(built: GraphQLSchema): string[] {
  const breaches: string[] = [];
  for (const type of Object.values(built.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || ['Query', 'Mutation', 'Subscription'].includes(type.name)) continue;
    for (const field of Object.values(type.getFields())) {
      const where = `${type.name}.${field.name}`;
      const declared = fieldSensitivity(type, field.name);
      const phoneTyped = getNamedType(field.type).name === 'Phone';
      if (!declared && (PERSONAL_BY_NAME.test(field.name) || phoneTyped))
        breaches.push(`${where}: looks personal but declares no sensitivity`);
      if (declared === Sensitivity.NOT_PERSONAL && !(field.extensions as { reason?: string }).reason)
        breaches.push(`${where}: not personal, but says not why`);
      if (declared && NULLED_FOR_VIEWERS.has(declared) && isNonNullType(field.type))
        breaches.push(`${where}: ${declared} is null for viewers, so nullable`);
    }
  }
  return breaches;
}
