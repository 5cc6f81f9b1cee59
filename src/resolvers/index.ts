import type { NonEmptyArray } from 'type-graphql';
import { LookupResolver } from './lookup';
import { NoticeResolver } from './notice';
import { TaskResolver } from './task';
import { TemplateResolver } from './template';

/** Every resolver class of the schema: one per REST family, plus the event subscriptions. */
export const resolvers: NonEmptyArray<Function> = [TaskResolver, TemplateResolver, NoticeResolver, LookupResolver];
