import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { parsePhone, PhoneKind, PhoneScalar } from './phone';
import { Sensitive, Sensitivity } from './sensitivity';

registerEnumType(PhoneKind, {
  name: 'PhoneKind',
  description: 'Mobile, fixed-line or service number',
  valuesConfig: {
    MOBILE: { description: '11-digit mobile number' },
    FIXED_LINE: { description: 'Fixed line: 0 + area code + local number' },
    SERVICE: { description: 'Service number: 400/800, 95xxx/96xxx, 10xxx/12xxx (no location, portability or state)' },
  },
});

/** A carrier; the values are the platform's Chinese names (location `memo` / `currentMemo`). */
export enum Carrier {
  CHINA_MOBILE = '中国移动',
  CHINA_UNICOM = '中国联通',
  CHINA_TELECOM = '中国电信',
  UNKNOWN = '未知',
}
registerEnumType(Carrier, {
  name: 'Carrier',
  description: 'Mobile network operator',
  valuesConfig: {
    CHINA_MOBILE: { description: 'China Mobile (中国移动)' },
    CHINA_UNICOM: { description: 'China Unicom (中国联通)' },
    CHINA_TELECOM: { description: 'China Telecom (中国电信)' },
    UNKNOWN: { description: 'Unknown (未知, or a name the platform did not document)' },
  },
});

/** Result of the portability check; the values are the platform's `data` numbers. */
export enum Portability {
  NOT_PORTED = 0,
  TO_CHINA_MOBILE = 1,
  TO_CHINA_UNICOM = 2,
  TO_CHINA_TELECOM = 3,
}
registerEnumType(Portability, {
  name: 'Portability',
  description: 'Whether a mobile number moved carrier (携号转网), and to which',
  valuesConfig: {
    NOT_PORTED: { description: 'Still with its original carrier' },
    TO_CHINA_MOBILE: { description: 'Ported to China Mobile' },
    TO_CHINA_UNICOM: { description: 'Ported to China Unicom' },
    TO_CHINA_TELECOM: { description: 'Ported to China Telecom' },
  },
});

/** Live state of a mobile number; the values are the platform's `data.state` numbers (no 2, no 6–12). */
export enum PhoneState {
  LOOKUP_FAILED = 0,
  NORMAL = 1,
  IN_CALL = 3,
  VACANT = 4,
  POWERED_OFF = 5,
  SUSPENDED = 13,
}
registerEnumType(PhoneState, {
  name: 'PhoneState',
  description: 'Live network state of a mobile number',
  valuesConfig: {
    LOOKUP_FAILED: { description: 'The platform could not determine the state (cached only briefly)' },
    NORMAL: { description: 'Normal, reachable' },
    IN_CALL: { description: 'In a call (busy)' },
    VACANT: { description: 'Vacant / unassigned number (空号)' },
    POWERED_OFF: { description: 'Powered off (not detected for China Telecom numbers)' },
    SUSPENDED: { description: 'Service suspended (停机)' },
  },
});

/** What a number is marked as; the values are the platform's Chinese labels where it documents them. */
export enum MarkType {
  ADVERTISING = '广告推销',
  HARASSMENT = '骚扰电话',
  FRAUD = '诈骗电话',
  OTHER = 'other',
  NONE = '',
}
registerEnumType(MarkType, {
  name: 'MarkType',
  description: 'Kind of mark users or yellow pages gave a number',
  valuesConfig: {
    ADVERTISING: { description: 'Advertising / telemarketing (广告推销)' },
    HARASSMENT: { description: 'Harassment / nuisance call (骚扰电话)' },
    FRAUD: { description: 'Fraud call (诈骗电话)' },
    OTHER: { description: 'Another label; see `label` for the platform text' },
    NONE: { description: 'Not marked' },
  },
});

/** The marking sources of the v2 mark report (platform fields mark360, markBaidu, …). */
export enum MarkSource {
  QIHOO_360 = 'mark360',
  BAIDU = 'markBaidu',
  HUAWEI = 'markHuawei',
  OPPO = 'markOppo',
  TENCENT = 'markTencent',
  VIVO = 'markVivo',
  XIAOMI = 'markXiaomi',
}
registerEnumType(MarkSource, { name: 'MarkSource', description: 'Who marked the number (v2 mark report)' });

/** The five lookups; each has its own cache entry, TTL and statistics. */
export enum LookupKind {
  LOCATION = 'location',
  PORTABILITY = 'portability',
  STATE = 'state',
  MARKS = 'marks',
  MARK_REPORT = 'markReport',
}
registerEnumType(LookupKind, { name: 'LookupKind', description: 'One of the phone lookups the platform charges for' });

// Lookup results are plain data read on every decorated row: `simpleResolvers` gives their fields
// graphql-js's default resolver instead of type-graphql's wrapper (they carry no auth or middleware).
@ObjectType({ description: 'Where a number is from and which carrier serves it', simpleResolvers: true })
export class PhoneLocation {
  @Field({ nullable: true, description: 'Telephone area code with its 0, e.g. "010"' })
  areaCode?: string;

  @Field({ nullable: true, description: 'Province (Chinese, e.g. "广东"); null for fixed lines' })
  province?: string;

  @Field({ nullable: true, description: 'City (Chinese, e.g. "深圳"); null for fixed lines' })
  city?: string;

  @Field(() => Carrier, { nullable: true, description: 'Carrier the number was issued by; null for fixed lines' })
  originalCarrier?: Carrier;

  @Field(() => Carrier, { nullable: true, description: 'Carrier serving the number now; null for fixed lines' })
  currentCarrier?: Carrier;

  @Field({ nullable: true, description: 'Whether the number moved carrier; null for fixed lines' })
  ported?: boolean;
}

@ObjectType({ description: 'The mark of a number (v1 lookup)', simpleResolvers: true })
export class PhoneMarks {
  @Field(() => MarkType)
  type!: MarkType;

  @Field({ description: 'Mark label as the platform sends it (Chinese); empty when not marked' })
  label!: string;

  @Field(() => Int, { description: 'How many times the number was marked' })
  count!: number;

  @Field({ nullable: true, description: 'Yellow-page name of the number, when it has one' })
  name?: string;
}

@ObjectType({ description: 'Marks of one type, or the mark one source shows', simpleResolvers: true })
export class MarkCount {
  @Field(() => MarkType)
  type!: MarkType;

  @Field({ description: 'Mark label as the platform sends it (Chinese); empty when not marked' })
  label!: string;

  @Field(() => Int, { description: 'Number of marks' })
  count!: number;

  @Field({ nullable: true, description: 'Display name the source shows, when any' })
  showName?: string;
}

@ObjectType({ description: 'The mark one source (360, Baidu, …) shows for a number', simpleResolvers: true })
export class SourceMark extends MarkCount {
  @Field(() => MarkSource)
  source!: MarkSource;
}

@ObjectType({ description: 'Marks of a number by type and by source (v2 lookup)', simpleResolvers: true })
export class PhoneMarkReport {
  @Field(() => [MarkCount], { description: 'Totals per mark type over every source' })
  totals!: MarkCount[];

  @Field(() => [SourceMark], { description: 'The mark each source shows (count 0 and type NONE when it shows none)' })
  sources!: SourceMark[];
}

/**
 * Lookups of one number. Return it from any field (`calledInfo: PhoneInfo`): its fields resolve
 * through the per-request LookupDataSource (batched, cached), and only the fields a query selects
 * cause lookups. Build it with `phoneInfo(number)`.
 */
@ObjectType({
  description: 'What is known about a phone number: location, carrier, portability, live state and marks',
  simpleResolvers: true,
})
export class PhoneInfo {
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field(() => PhoneScalar, { description: 'The number, normalised' })
  number!: string;

  @Field(() => PhoneKind)
  kind!: PhoneKind;

  /** Area code with its 0, for fixed lines (known from the number itself). */
  areaCode?: string;

  constructor(number: string, kind: PhoneKind, areaCode?: string) {
    this.number = number;
    this.kind = kind;
    this.areaCode = areaCode;
  }
}

/**
 * PhoneInfo of a number as stored in records (any format), or null when it is not a Chinese
 * mobile or fixed-line number (extensions, short codes, international numbers): never throws.
 */
export function phoneInfo(number: string | null | undefined): PhoneInfo | null {
  if (!number) return null;
  const parsed = parsePhone(number);
  return parsed ? new PhoneInfo(parsed.number, parsed.kind, parsed.areaCode) : null;
}

@ObjectType({ description: 'Cache and platform figures of one lookup kind' })
export class LookupKindStats {
  @Field(() => LookupKind)
  kind!: LookupKind;

  @Field(() => Int, { description: 'Answers served from the cache' })
  hits!: number;

  @Field(() => Int, { description: 'Answers the cache did not have' })
  misses!: number;

  @Field(() => Int, { description: 'Requests sent to the platform (misses and early refreshes)' })
  platformCalls!: number;

  @Field(() => Int, { description: 'Platform requests that failed (their failure is cached briefly)' })
  failures!: number;

  @Field(() => Int, { description: 'Early refreshes of entries close to expiry' })
  refreshes!: number;
}

@ObjectType({ description: 'Phone lookup statistics since start (instance) and over every instance (cluster)' })
export class PhoneLookupStats {
  @Field(() => [LookupKindStats], { description: 'This gateway instance since it started' })
  instance!: LookupKindStats[];

  @Field(() => [LookupKindStats], { nullable: true, description: 'Every instance sharing the store; null when the store is unreachable' })
  cluster?: LookupKindStats[];
}
