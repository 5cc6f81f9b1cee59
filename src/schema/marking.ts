import { Field, Float, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { PhoneScalar } from './phone';
import { NotPersonal } from './sensitivity';

/** `orderType` (codes.json `markingOrderType`); the value is the platform's integer. */
export enum MarkingOrderType {
  MONTHLY = 1,
  ANNUAL = 2,
  PROJECT = 3,
}
registerEnumType(MarkingOrderType, {
  name: 'MarkingOrderType',
  description: 'How a number mark is billed',
  valuesConfig: {
    MONTHLY: { description: 'Monthly-fee order' },
    ANNUAL: { description: 'Annual-fee order' },
    PROJECT: { description: 'Project order: the project period (projectStartsAt, projectEndsAt) is required' },
  },
});

/** `packageType` (codes.json `markingPackageType`); the value is the platform's integer. */
export enum MarkingPlan {
  BASIC = 1,
  STANDARD = 2,
  FLAGSHIP = 3,
  XIAOMI = 4,
}
registerEnumType(MarkingPlan, {
  name: 'MarkingPlan',
  description: 'Number-marking package (plan)',
  valuesConfig: {
    BASIC: { description: 'Basic edition' },
    STANDARD: { description: 'Standard edition' },
    FLAGSHIP: { description: 'Flagship edition' },
    XIAOMI: { description: 'Xiaomi edition' },
  },
});

/** `type` (codes.json `markingNumberType`); the value is the platform's integer. */
export enum MarkedNumberType {
  MOBILE = 1,
  LANDLINE = 2,
  SERVICE_400_800_118 = 3,
  AREA_CODE_96 = 4,
  CARRIER_1010_1012 = 5,
  SHORT_95_96_SIX_OR_MORE_DIGITS = 6,
  SHORT_95_96_FIVE_DIGITS = 7,
  SPECIAL = 8,
}
registerEnumType(MarkedNumberType, {
  name: 'MarkedNumberType',
  description: 'Kind of number being marked',
  valuesConfig: {
    MOBILE: { description: 'Mobile number' },
    LANDLINE: { description: 'Fixed-line (landline) number' },
    SERVICE_400_800_118: { description: '400, 800 or 118 number' },
    AREA_CODE_96: { description: 'Area code + 96 number' },
    CARRIER_1010_1012: { description: '1010 or 1012 number' },
    SHORT_95_96_SIX_OR_MORE_DIGITS: { description: '95/96 number of 6 digits or more' },
    SHORT_95_96_FIVE_DIGITS: { description: '95/96 number of 5 digits' },
    SPECIAL: { description: 'Special number' },
  },
});

/**
 * `data.status` of the status endpoint (codes.json `markingNumberStatus`); the value is the platform's integer.
 * UNKNOWN (never sent to the platform) stands for a value the spec does not list.
 */
export enum NumberMarkingState {
  UNKNOWN = -1,
  OTHER = 0,
  PENDING_ONLINE = 1,
  GOING_ONLINE = 2,
  ONLINE = 3,
  GOING_OFFLINE = 4,
  OFFLINE = 5,
}
registerEnumType(NumberMarkingState, {
  name: 'NumberMarkingState',
  description: 'Where a number mark stands with the marking providers',
  valuesConfig: {
    UNKNOWN: { description: 'A state the platform answered that the spec does not list (see platformStatus)' },
    OTHER: { description: 'Other (the remark says why, e.g. the brand fee was not approved)' },
    PENDING_ONLINE: { description: 'Waiting to go online' },
    GOING_ONLINE: { description: 'Going online (in progress)' },
    ONLINE: { description: 'Online: recipients see the mark' },
    GOING_OFFLINE: { description: 'Going offline (in progress)' },
    OFFLINE: { description: 'Offline' },
  },
});

@InputType({ description: 'A number and its mark to put online (the logo and material-list files are separate upload arguments)' })
export class MarkNumberOnlineInput {
  @Field({ description: 'Company name the mark is registered for' })
  company!: string;

  @Field({ nullable: true, description: 'Number of an existing order of this company; the platform opens a new order when omitted' })
  orderId?: string;

  @Field(() => PhoneScalar, { description: 'The number to mark (the platform gets its national form)' })
  number!: string;

  @Field({ description: "The mark recipients' phones display (e.g. the company name)" })
  displayName!: string;

  @Field(() => MarkingOrderType, { description: 'How the mark is billed' })
  orderType!: MarkingOrderType;

  @Field(() => MarkingPlan, { description: 'Package (plan) of the mark' })
  plan!: MarkingPlan;

  @Field(() => MarkedNumberType, { description: 'Kind of number being marked' })
  numberType!: MarkedNumberType;

  @Field(() => Float, { description: 'Price of the number (not negative)' })
  numberPrice!: number;

  @Field(() => Float, { description: 'Cost of the number (not negative)' })
  numberCost!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Brand fee (not negative); required by the platform when the company does not exist there yet (platform code 1004)',
  })
  brandFee?: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Brand fee cost (not negative); required by the platform when the company does not exist there yet (platform code 1004)',
  })
  brandFeeCost?: number;

  @Field(() => Date, {
    nullable: true,
    description: 'Start of the project period; required for PROJECT orders, given together with projectEndsAt',
  })
  projectStartsAt?: Date;

  @Field(() => Date, { nullable: true, description: 'End of the project period (not before projectStartsAt); required for PROJECT orders' })
  projectEndsAt?: Date;

  @Field({ nullable: true, description: 'Project information' })
  projectDescription?: string;

  @Field({ nullable: true, description: 'Remarks' })
  remarks?: string;
}

@InputType({ description: 'A marked number to take offline' })
export class MarkNumberOfflineInput {
  @Field({ description: 'Company name the mark is registered for' })
  company!: string;

  @Field(() => PhoneScalar, { description: 'The marked number (the platform gets its national form)' })
  number!: string;

  @Field({ nullable: true, description: 'Why the mark is taken offline' })
  reason?: string;
}

@ObjectType({ description: 'A number-marking change the platform accepted; follow it with numberMarkingStatus' })
export class NumberMarkingChange {
  @Field({ description: 'Company name the mark is registered for' })
  company!: string;

  @NotPersonal('an enterprise number being marked')
  @Field({ description: 'The marked number, as the platform answered it' })
  number!: string;
}

@ObjectType({ description: 'Where the mark of a number stands' })
export class NumberMarkingStatus {
  @Field({ description: 'Company name the mark is registered for' })
  company!: string;

  @Field({ nullable: true, description: 'Order number of the mark' })
  orderId?: string;

  @NotPersonal('an enterprise number being marked')
  @Field({ description: 'The marked number' })
  number!: string;

  @Field(() => NumberMarkingState, {
    nullable: true,
    description: 'State of the mark; UNKNOWN for a state the spec does not list (see platformStatus), null when the platform answered none',
  })
  status?: NumberMarkingState;

  @Field({ nullable: true, description: "The platform's status value as answered" })
  platformStatus?: string;

  @Field({ nullable: true, description: 'Status remark (e.g. why the mark is held back)' })
  remark?: string;
}
