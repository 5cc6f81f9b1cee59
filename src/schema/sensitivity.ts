import type { GraphQLField } from 'graphql';
import { Extensions } from 'type-graphql';

/**
 * Personal data and secrets, declared on the field that holds them (`@Sensitive(...)` next to
 * `@Field`). The rules per role live in one place (src/auth/personal-data.ts) and one schema
 * transform applies them to every answer that goes through the schema: query and mutation results,
 * subscription events, wallboard snapshots and updates. The schema rules test fails on a field that
 * looks personal and declares nothing.
 */
export enum Sensitivity {
  /** A customer's (or a call party's) phone number: masked `138****8000` for viewers. */
  CUSTOMER_PHONE = 'customerPhone',
  /** The text of an SMS or flash message, or a customer's reply: null for viewers. */
  MESSAGE_TEXT = 'messageText',
  /** What was said in a call (dialogue turns): null for viewers. */
  DIALOGUE = 'dialogue',
  /** A link to a call recording: null for viewers. */
  RECORDING = 'recording',
  /** SIP passwords, platform tokens, secrets: only to the agent they belong to. */
  CREDENTIAL = 'credential',
  /** Raw platform data (numbers and possibly credentials inside): null for viewers, credentials redacted but for their agent. */
  RAW = 'raw',
  /** Looks personal by its name but is not (e.g. the enterprise's own display number): declared so, with the reason. */
  NOT_PERSONAL = 'notPersonal',
}

export interface SensitivityExtension {
  sensitivity: Sensitivity;
  /** Why a NOT_PERSONAL field is not personal data. */
  reason?: string;
}

/** Marks a field's sensitivity where the field is defined. */
export function Sensitive(sensitivity: Exclude<Sensitivity, Sensitivity.NOT_PERSONAL>): ReturnType<typeof Extensions> {
  return Extensions({ sensitivity } satisfies SensitivityExtension);
}

/** Marks a field that looks personal by its name as deliberately not personal, saying why. */
export function NotPersonal(reason: string): ReturnType<typeof Extensions> {
  return Extensions({ sensitivity: Sensitivity.NOT_PERSONAL, reason } satisfies SensitivityExtension);
}

/** The sensitivity a schema field declares, if any. */
export function sensitivityOf(field: Pick<GraphQLField<unknown, unknown>, 'extensions'>): Sensitivity | undefined {
  return (field.extensions as Partial<SensitivityExtension> | undefined)?.sensitivity;
}

/** Sensitivities whose value a viewer never sees: their fields must be nullable. */
export const NULLED_FOR_VIEWERS: ReadonlySet<Sensitivity> = new Set([
  Sensitivity.MESSAGE_TEXT,
  Sensitivity.DIALOGUE,
  Sensitivity.RECORDING,
  Sensitivity.CREDENTIAL,
  Sensitivity.RAW,
]);
