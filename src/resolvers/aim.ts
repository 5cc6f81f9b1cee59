import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { AimDataSource } from '../datasources/aim';
import { AimDayCount, AimStatisticsFilter, AimSummaryPage } from '../schema/aim';

/** AIM (rich message card) statistics (family `aim`). */
@Resolver()
export class AimResolver {
  @Authorized('viewer')
  @Query(() => AimSummaryPage, { nullable: true, description: 'AIM parsing figures per day × template × placement × vendor, page by page' })
  aimSummary(
    @Arg('filter', () => AimStatisticsFilter) filter: AimStatisticsFilter,
    @Arg('page', () => Int, { defaultValue: 1 }) page: number,
    @Arg('pageSize', () => Int, { defaultValue: 10 }) pageSize: number,
    @Ctx() ctx: GatewayContext,
  ): Promise<AimSummaryPage | null> {
    return ctx.dataSource(AimDataSource).summary(filter, page, pageSize);
  }

  @Authorized('viewer')
  @Query(() => [AimDayCount], { nullable: true, description: 'Successful AIM parses per day (chart data)' })
  aimDailyParses(
    @Arg('filter', () => AimStatisticsFilter) filter: AimStatisticsFilter,
    @Ctx() ctx: GatewayContext,
  ): Promise<AimDayCount[] | null> {
    return ctx.dataSource(AimDataSource).days(filter);
  }
}
