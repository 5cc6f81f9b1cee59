import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../context';
import { PLATFORM_FIELD_COST } from '../guards/operation-limits';
import { LookupDataSource } from '../datasources/lookup';
import { PhoneInfo, PhoneLocation, PhoneLookupStats, PhoneMarkReport, PhoneMarks, PhoneState, Portability } from '../schema/lookup';
import { parsePhone, PhoneScalar } from '../schema/phone';

/** The Phone scalar already validated and normalised the number. */
function info(number: string): PhoneInfo {
  const parsed = parsePhone(number)!;
  return new PhoneInfo(parsed.number, parsed.kind, parsed.areaCode);
}

@Resolver(() => PhoneInfo)
export class LookupResolver {
  @Authorized('viewer')
  @Query(() => PhoneInfo, { nullable: true, description: 'Lookups of one number; only the fields you select are looked up' })
  phone(@Arg('number', () => PhoneScalar) number: string): PhoneInfo {
    return info(number);
  }

  @Authorized('viewer')
  @Query(() => [PhoneInfo], {
    nullable: true,
    description: 'Lookups of many numbers, in the order given (duplicates are looked up once); the operation cost limit bounds how many',
  })
  phones(@Arg('numbers', () => [PhoneScalar]) numbers: string[]): PhoneInfo[] {
    return numbers.map(info);
  }

  @FieldResolver(() => PhoneLocation, {
    complexity: PLATFORM_FIELD_COST,
    nullable: true,
    description: 'Area code, province, city and carriers (platform location lookup; area code only for fixed lines)',
  })
  location(@Root() phone: PhoneInfo, @Ctx() ctx: GatewayContext): PhoneLocation | null | Promise<PhoneLocation | null> {
    return ctx.dataSource(LookupDataSource).location(phone);
  }

  @FieldResolver(() => Portability, {
    complexity: PLATFORM_FIELD_COST,
    nullable: true,
    description: 'Whether the number moved carrier, and to which (mobile numbers; null for fixed lines)',
  })
  portability(@Root() phone: PhoneInfo, @Ctx() ctx: GatewayContext): Portability | null | Promise<Portability | null> {
    return ctx.dataSource(LookupDataSource).portability(phone);
  }

  @FieldResolver(() => PhoneState, {
    complexity: PLATFORM_FIELD_COST,
    nullable: true,
    description: 'Live network state (mobile numbers; null for fixed lines)',
  })
  state(@Root() phone: PhoneInfo, @Ctx() ctx: GatewayContext): PhoneState | null | Promise<PhoneState | null> {
    return ctx.dataSource(LookupDataSource).state(phone);
  }

  @FieldResolver(() => PhoneMarks, {
    complexity: PLATFORM_FIELD_COST,
    nullable: true,
    description: 'How the number is marked (v1: one mark type and count, yellow-page name)',
  })
  marks(@Root() phone: PhoneInfo, @Ctx() ctx: GatewayContext): PhoneMarks | Promise<PhoneMarks> {
    return ctx.dataSource(LookupDataSource).marks(phone);
  }

  @FieldResolver(() => PhoneMarkReport, {
    complexity: PLATFORM_FIELD_COST,
    nullable: true,
    description: 'Marks by type and by source: 360, Baidu, Huawei, OPPO, Tencent, vivo, Xiaomi (v2)',
  })
  markReport(@Root() phone: PhoneInfo, @Ctx() ctx: GatewayContext): PhoneMarkReport | Promise<PhoneMarkReport> {
    return ctx.dataSource(LookupDataSource).markReport(phone);
  }

  @Authorized('admin')
  @Query(() => PhoneLookupStats, {
    nullable: true,
    description: 'Phone lookup cache statistics: hits, misses and platform calls per lookup kind',
  })
  async phoneLookupStats(@Ctx() ctx: GatewayContext): Promise<PhoneLookupStats> {
    const cache = ctx.services.lookups;
    return { instance: cache.instanceStats(), cluster: await cache.clusterStats() };
  }

  @Authorized('admin')
  @Mutation(() => Int, {
    description: 'Forgets every cached lookup of a number (the next query asks the platform); returns the entries removed',
  })
  evictPhoneInfo(@Arg('number', () => PhoneScalar) number: string, @Ctx() ctx: GatewayContext): Promise<number> {
    return ctx.services.lookups.evict(number);
  }
}
