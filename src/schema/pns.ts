import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PhoneScalar } from './phone';
import { NotPersonal } from './sensitivity';

/** The three privacy-number binding models; the value is the platform's path segment. */
export enum PrivacyBindingModel {
  AXB = 'axb',
  AX = 'ax',
  AXG = 'axg',
}
registerEnumType(PrivacyBindingModel, {
  name: 'PrivacyBindingModel',
  description: 'Privacy-number model: AXB (A and B talk through X), AX (anyone calling X reaches A), AXG (A and a group through X)',
});

/** `callDisplay` (codes.json `pnsCallDisplay`); the value is the platform's integer. */
export enum CallerDisplay {
  HIDDEN = 0,
  SHOW_A = 1,
  SHOW_B = 2,
  SHOW_BOTH = 3,
}
registerEnumType(CallerDisplay, {
  name: 'CallerDisplay',
  description: 'Which real numbers the parties see (AX accepts HIDDEN and SHOW_A only)',
  valuesConfig: {
    HIDDEN: { description: 'Do not show real numbers (platform default)' },
    SHOW_A: { description: "AXB: pass through telA's number; AX: show the other party's real number to A" },
    SHOW_B: { description: "AXB: pass through telB's number" },
    SHOW_BOTH: { description: 'AXB: pass through both numbers' },
  },
});

@InputType({ description: 'Fields common to every privacy-number binding' })
export class PrivacyBindingInput {
  @Field({
    nullable: true,
    description:
      'Idempotency key (max 50 chars): retrying with the same id never creates a second binding; the gateway generates one when omitted',
  })
  requestId?: string;

  @Field(() => PhoneScalar, { description: 'Number A' })
  telA!: string;

  @Field(() => PhoneScalar, {
    nullable: true,
    description: 'Number B (AXB) or group number (AXG); required by AXB and AXG, not used by AX',
  })
  telB?: string;

  @Field(() => PhoneScalar, { nullable: true, description: 'X number to use; the platform allocates one when omitted' })
  telX?: string;

  @Field({ nullable: true, description: 'Area code with its 0 (digits, at most 5: "010", "0755") of the city whose X number to allocate' })
  areaCode?: string;

  @Field(() => Int, { nullable: true, description: 'Validity in seconds; permanent when omitted' })
  expiresInSeconds?: number;

  @Field({ nullable: true, description: 'Your data (max 200 chars), echoed in PnsCallEnd events' })
  userData?: string;

  @Field(() => CallerDisplay, { nullable: true, description: 'Caller display (AXB and AX only)' })
  callerDisplay?: CallerDisplay;

  @Field({ nullable: true, description: 'AX only: ID-card number of the legal person (max 20 chars)' })
  identityNumber?: string;

  @Field({ nullable: true, description: 'AX only: name of the legal person (max 20 chars)' })
  identityName?: string;
}

@ObjectType({ description: 'A privacy-number binding the platform made (or kept)' })
export class PrivacyBinding {
  @Field(() => ID, { description: 'Stable id of the binding (its bindId)' })
  id!: string;

  @Field(() => PrivacyBindingModel)
  model!: PrivacyBindingModel;

  @Field(() => ID, { description: 'Binding id, used to unbind and carried by PnsCallEnd events' })
  bindId!: string;

  @NotPersonal('the enterprise privacy number (X)')
  @Field({ description: 'The X number; calling it reaches the bound party' })
  telX!: string;

  @Field({ description: 'The request id sent (yours, or the one the gateway generated): retry with it' })
  requestId!: string;

  @Field({
    description:
      'True when the platform answered 0001: an existing binding of the same numbers was overwritten (AXB/AXG) or already existed (AX)',
  })
  overwritten!: boolean;
}

@ObjectType({ description: 'A privacy-number binding removed' })
export class PrivacyUnbinding {
  @Field(() => ID)
  bindId!: string;

  @Field()
  requestId!: string;
}
