import type { NonEmptyArray } from 'type-graphql';
import { TaskResolver } from './task';

/** Every resolver class of the schema: one per REST family, plus the event subscriptions. */
export const resolvers: NonEmptyArray<Function> = [TaskResolver];
