import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { IvrOutcome } from '../ivr/rules';
import { PlatformEvent } from './events';
import { PhoneScalar } from './phone';
import { NotPersonal, Sensitive, Sensitivity } from './sensitivity';

export { IvrOutcome };
registerEnumType(IvrOutcome, {
  name: 'IvrOutcome',
  description: 'What the gateway answered an IVR transfer request',
  valuesConfig: {
    TRANSFER: { description: 'Transfer to a number (code 0 with the phone)' },
    DEFAULT_ROUTING: { description: "The platform's default routing (code 0 with an empty phone)" },
    BLACKLISTED: { description: 'The caller is blacklisted (code 403)' },
    FAILED: { description: 'No decision could be made (code 500), e.g. a request without caller' },
  },
});

@ObjectType({
  description:
    'An IVR transfer route. It matches when every condition it sets holds; of the matching routes the most specific wins: ' +
    'one with `called` beats one without, then one with `dtmf`, then the longer `callerPrefix`, then the lower `priority`, then the older route.',
})
export class IvrRoute {
  @Field(() => ID)
  id!: string;

  @Field({ nullable: true })
  name?: string;

  @NotPersonal('the enterprise number the route matches')
  @Field({ nullable: true, description: 'Called number (the line the caller dialled); any when null' })
  called?: string;

  @Field({ nullable: true, description: 'Key sequence the caller pressed (digits, * and #), matched exactly; any when null' })
  dtmf?: string;

  @Field({ nullable: true, description: 'Leading digits of the caller number; any when null' })
  callerPrefix?: string;

  @NotPersonal('the enterprise number or agent the route transfers to')
  @Field(() => PhoneScalar, {
    nullable: true,
    description: "Number to transfer to; null sends the caller to the platform's default routing",
  })
  transferTo?: string;

  @Field(() => Int, { description: 'Tie-break between equally specific routes: lower first' })
  priority!: number;

  @Field({ description: 'Disabled routes are kept but never match' })
  enabled!: boolean;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType({
  description:
    'A blacklisted caller (or caller prefix): the IVR answers 403 and the platform refuses the transfer. Checked before any route.',
})
export class IvrBlacklistEntry {
  @Field(() => ID)
  id!: string;

  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true, description: 'The caller number blocked (national form); null for a prefix entry' })
  caller?: string;

  @Field({ nullable: true, description: 'Leading digits of the caller numbers blocked; null for an entry of one number' })
  callerPrefix?: string;

  @NotPersonal('the enterprise number the entry matches')
  @Field({ nullable: true, description: 'Only calls to this number; all calls when null' })
  called?: string;

  @Field({ nullable: true })
  reason?: string;

  @Field(() => Date)
  createdAt!: Date;
}

@InputType({ description: 'A new IVR route; every condition is optional (none = every call)' })
export class IvrRouteInput {
  @Field({ nullable: true })
  name?: string;

  @Field(() => PhoneScalar, {
    nullable: true,
    description: 'Called number: the line the caller dialled (mobile, fixed line or service number)',
  })
  called?: string;

  @Field({ nullable: true, description: 'Key sequence: one or more of 0-9, * and #' })
  dtmf?: string;

  @Field({ nullable: true, description: 'Leading digits of the caller number (a prefix, not a phone number)' })
  callerPrefix?: string;

  @Field(() => PhoneScalar, {
    nullable: true,
    description: "Where to transfer; omit for the platform's default routing (an exception to a broader route)",
  })
  transferTo?: string;

  @Field(() => Int, { nullable: true, description: 'Tie-break between equally specific routes, lower first (0–1000000, default 100)' })
  priority?: number;

  @Field({ nullable: true, description: 'Default true' })
  enabled?: boolean;
}

@InputType({ description: 'Changes to a route: omitted fields stay, null clears a condition' })
export class IvrRoutePatch extends IvrRouteInput {}

@InputType({
  description: 'A blacklist entry: give exactly one of `caller` (one number) and `callerPrefix` (every number starting with it)',
})
export class IvrBlacklistInput {
  @Field(() => PhoneScalar, { nullable: true, description: 'The caller number to block' })
  caller?: string;

  @Field({ nullable: true, description: 'Leading digits of the caller numbers to block (digits; a prefix is not a phone number)' })
  callerPrefix?: string;

  @Field(() => PhoneScalar, { nullable: true, description: 'Only calls to this number' })
  called?: string;

  @Field({ nullable: true, description: 'Why (at most 200 characters)' })
  reason?: string;
}

@ObjectType({ description: 'What the IVR endpoint would answer (or answered)' })
export class IvrDecisionResult {
  @Field(() => IvrOutcome)
  outcome!: IvrOutcome;

  @NotPersonal('the enterprise number or agent the call is transferred to')
  @Field(() => PhoneScalar, { nullable: true, description: 'Number the caller is transferred to (TRANSFER)' })
  transferTo?: string;

  @Field(() => ID, { nullable: true, description: 'The route or blacklist entry that decided' })
  ruleId?: string;

  @Field({ nullable: true, description: 'Why no decision could be made (FAILED)' })
  reason?: string;
}

@ObjectType({ implements: PlatformEvent, description: 'The gateway answered an IVR transfer request (kind ivrDecision)' })
export class IvrDecisionEvent extends PlatformEvent {
  @Field(() => ID, { nullable: true, description: "The platform's call id" })
  occCallId?: string;

  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field()
  caller!: string;

  @NotPersonal('the enterprise number that was called')
  @Field()
  called!: string;

  @Sensitive(Sensitivity.DIALOGUE)
  @Field({ nullable: true, description: 'Keys pressed (null for viewers)' })
  dtmf?: string;

  @Field(() => IvrOutcome)
  outcome!: IvrOutcome;

  @NotPersonal('the enterprise number or agent the call is transferred to')
  @Field(() => PhoneScalar, { nullable: true })
  transferTo?: string;

  @Field(() => ID, { nullable: true })
  ruleId?: string;

  @Field({ nullable: true })
  reason?: string;

  @Field(() => Date)
  decidedAt!: Date;
}
