import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { PhoneScalar } from './phone';

/** `type` of /api/sip/makecall (codes.json `makecallType`); the value is the platform's literal. */
export enum CallbackMode {
  DEFAULT = 'default',
  CLICK_TO_DIAL = 'click',
  CARRIER_TWO_WAY = 'cmccbid',
}
registerEnumType(CallbackMode, {
  name: 'CallbackMode',
  description: 'How the platform places a two-way callback',
  valuesConfig: {
    DEFAULT: { description: 'Default two-way callback mode' },
    CLICK_TO_DIAL: { description: 'Click-to-dial (点击拨号); usable only after the platform approved it' },
    CARRIER_TWO_WAY: { description: 'China Mobile dual call (移动双呼)' },
  },
});

@InputType({ description: 'A two-way callback: the platform rings the caller, then bridges to the called number' })
export class PlaceCallbackInput {
  @Field(() => PhoneScalar, { description: 'Leg A, rung first' })
  caller!: string;

  @Field(() => PhoneScalar, { description: "Leg B, the customer's number, rung after leg A answers" })
  called!: string;

  @Field(() => PhoneScalar, {
    nullable: true,
    description: 'Display number shown to both parties (platform `callnum`); must be a calling number allocated to the enterprise',
  })
  displayNumber?: string;

  @Field(() => CallbackMode, { nullable: true, description: 'Callback mode; the platform default when omitted' })
  mode?: CallbackMode;

  @Field({ nullable: true, description: 'Your data (e.g. an order number), echoed in the call-end event' })
  userData?: string;
}

@ObjectType({ description: 'A two-way callback the platform accepted; its BidirectionalCallEnd event carries this callId' })
export class PlacedCallback {
  @Field(() => ID, { description: 'The call id (cache identity)' })
  id!: string;

  @Field(() => ID, { description: 'Platform call id, as in the BidirectionalCallEnd event' })
  callId!: string;
}
