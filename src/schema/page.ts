import { Field, Int, ObjectType } from 'type-graphql';

/** A page of items as the datasources build it; the GraphQL page types made by PageOf have this shape. */
export interface Paged<T> {
  page: number;
  pageSize: number;
  total: number;
  pages: number;
  items: T[];
}

/**
 * The GraphQL page type of `Item`: `@ObjectType() class XPage extends PageOf(X) {}` names it.
 * Fields in the order page, pageSize, total, pages, items.
 */
export function PageOf<T extends object>(Item: new () => T) {
  @ObjectType()
  abstract class Page implements Paged<T> {
    @Field(() => Int)
    page!: number;

    @Field(() => Int)
    pageSize!: number;

    @Field(() => Int)
    total!: number;

    @Field(() => Int)
    pages!: number;

    @Field(() => [Item])
    items!: T[];
  }
  return Page;
}
