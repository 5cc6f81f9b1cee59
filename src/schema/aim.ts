import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateScalar } from './scalars';

/** `firm` (codes.json `aimFirm`); the value is the platform's lower-case literal. */
export enum PhoneVendor {
  XIAOMI = 'xiaomi',
  OPPO = 'oppo',
  VIVO = 'vivo',
  HUAWEI = 'huawei',
}
registerEnumType(PhoneVendor, { name: 'PhoneVendor', description: 'Phone vendor that parses messages into rich cards (AIM)' });

@InputType({ description: 'Filter of AIM statistics: an inclusive range of China Standard Time days and optional filters' })
export class AimStatisticsFilter {
  @Field(() => LocalDateScalar, { description: 'First day (YYYY-MM-DD, UTC+08:00)' })
  from!: string;

  @Field(() => LocalDateScalar, { description: 'Last day, inclusive (YYYY-MM-DD, UTC+08:00)' })
  to!: string;

  @Field({ nullable: true })
  templateName?: string;

  @Field(() => PhoneVendor, { nullable: true })
  vendor?: PhoneVendor;

  @Field({ nullable: true, description: 'Placement (campaign) name' })
  placementName?: string;
}

@ObjectType({ description: 'AIM parsing figures of one day × template × placement × vendor' })
export class AimSummaryRecord {
  @Field(() => LocalDateScalar)
  day!: string;

  @Field({ nullable: true, description: 'Official-account (brand) name' })
  companyName?: string;

  @Field({ nullable: true })
  templateName?: string;

  @Field({ nullable: true })
  placementName?: string;

  @Field({ nullable: true })
  placementId?: string;

  @Field(() => PhoneVendor, {
    nullable: true,
    description: 'Null when the platform names no vendor or one the spec does not list (see platformVendor)',
  })
  vendor?: PhoneVendor;

  @Field({ nullable: true, description: 'The vendor (`firm`) as the platform sent it, when it is not one the spec lists' })
  platformVendor?: string;

  @Field(() => Int, { description: 'Successful parses' })
  parsedCount!: number;

  @Field(() => Int, { description: 'Click unique visitors' })
  clickUv!: number;

  @Field(() => Int, { description: 'Clicks' })
  clickPv!: number;

  @Field(() => Int, { description: 'Exposure unique visitors' })
  exposeUv!: number;

  @Field(() => Int, { description: 'Exposures' })
  exposePv!: number;
}

@ObjectType({ description: 'One page of AIM summary records' })
export class AimSummaryPage {
  @Field(() => Int)
  page!: number;

  @Field(() => Int)
  pageSize!: number;

  @Field(() => Int)
  pages!: number;

  @Field(() => Int)
  total!: number;

  @Field(() => [AimSummaryRecord])
  items!: AimSummaryRecord[];
}

@ObjectType({ description: 'Successful AIM parses of one day' })
export class AimDayCount {
  @Field(() => LocalDateScalar)
  day!: string;

  @Field(() => Int)
  parsedCount!: number;
}
