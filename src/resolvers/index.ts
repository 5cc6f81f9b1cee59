import type { NonEmptyArray } from 'type-graphql';
import { EventsResolver } from './events';
import { AgentResolver } from './agent';
import { AgentControlResolver, AgentToolbarEventFieldsResolver } from './agentcontrol';
import { GroupResolver } from './group';
import { LookupResolver } from './lookup';
import { NoticeResolver } from './notice';
import { TaskResolver } from './task';
import { TemplateResolver } from './template';
import { WallboardResolver } from './wallboard';
import { MakecallResolver } from './makecall';
import { PnsResolver } from './pns';
import { DirectCallResolver } from './directcall';
import { AimResolver } from './aim';
import { SmsResolver } from './sms';
import { FlashResolver } from './flash';
import { IvrResolver } from './ivr';
import { MarkingResolver } from './marking';

/** Every resolver class of the schema: one per REST family, plus the event subscriptions. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- type-graphql's own type for resolver classes
export const resolvers: NonEmptyArray<Function> = [
  TaskResolver,
  TemplateResolver,
  NoticeResolver,
  EventsResolver,
  AgentControlResolver,
  AgentToolbarEventFieldsResolver,
  WallboardResolver,
  GroupResolver,
  AgentResolver,
  LookupResolver,
  MakecallResolver,
  PnsResolver,
  DirectCallResolver,
  AimResolver,
  SmsResolver,
  FlashResolver,
  IvrResolver,
  MarkingResolver,
];
