import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { PhoneScalar } from './phone';
import { Sensitive, Sensitivity } from './sensitivity';

@InputType({ description: 'Bind number A to number B for a direct call from the SDK or the dial pad' })
export class DirectCallBindInput {
  @Field(() => PhoneScalar, { description: 'Number A (the SDK user)' })
  telA!: string;

  @Field(() => PhoneScalar, { description: 'Number B (the party A reaches)' })
  telB!: string;

  @Field({ description: 'Serial number, usually up to 4 digits: with several B numbers, A dials it to choose B' })
  orderId!: string;

  @Field(() => PhoneScalar, {
    nullable: true,
    description: "Number shown to the called party; the enterprise's default calling number when omitted",
  })
  displayNumber?: string;

  @Field(() => Int, { nullable: true, description: 'Validity in seconds; permanent when omitted' })
  expiresInSeconds?: number;

  @Field({ nullable: true, description: 'Your data, e.g. an order number' })
  userData?: string;

  @Field({ nullable: true, description: 'Order source' })
  source?: string;

  @Field({
    nullable: true,
    description: 'Area code of the region where the order was created, with its 0 ("0755"); the platform takes it as an integer (755)',
  })
  areaCode?: string;

  @Field({ nullable: true, description: 'Terminal details as the SDK returns them (a JSON object text, e.g. VXManager.getClientInfo())' })
  terminalInfo?: string;
}

@InputType({ description: 'Remove a direct-call binding, now or after a delay' })
export class DirectCallUnbindInput {
  @Field(() => PhoneScalar, { description: 'Number A of the binding' })
  telA!: string;

  @Field({ description: 'Serial number used when binding' })
  orderId!: string;

  @Field(() => Int, { nullable: true, description: 'Delay in seconds before the binding ends; immediately when omitted or 0' })
  delaySeconds?: number;

  @Field({ nullable: true })
  userData?: string;

  @Field({ nullable: true, description: 'Terminal details (JSON object text from the SDK)' })
  terminalInfo?: string;
}

@ObjectType({ description: 'SDK control information (passed to the SDK unchanged)' })
export class SdkServiceParams {
  @Field({ description: 'STUN enabled' })
  openStun!: boolean;

  @Field({ description: 'ICE enabled' })
  openIce!: boolean;

  @Field({ description: 'SIP over TCP' })
  tcp!: boolean;

  @Field({ nullable: true, description: 'STUN server address' })
  stunServer?: string;

  @Field({ nullable: true, description: 'Audio codec, e.g. OPUS' })
  codec?: string;

  @Field({ description: 'Send real-time logs through IM' })
  sendLog!: boolean;

  @Field({ description: 'Upload logs over HTTP immediately' })
  uploadLog!: boolean;

  @Field({ nullable: true, description: 'Where logs are uploaded over HTTP' })
  uploadLogUrl?: string;
}

@ObjectType({ description: 'A direct-call binding with the SIP/WebSocket registration the SDK needs' })
export class DirectCallBinding {
  @Field({ description: 'True when the platform answered 0001: an earlier binding of the same B was overwritten' })
  overwritten!: boolean;

  @Field(() => ID, { description: 'SIP authentication id' })
  sipId!: string;

  @Sensitive(Sensitivity.CREDENTIAL)
  @Field({ nullable: true, description: 'SIP authentication password (only in the answer to whoever bound it)' })
  sipPassword?: string;

  @Field({ description: 'SIP server IP' })
  sipHost!: string;

  @Field(() => Int, { description: 'SIP server port' })
  sipPort!: number;

  @Field({ description: 'WebSocket (SIP over WSS) address' })
  webSocketUrl!: string;

  @Field({ description: 'SIP domain' })
  domain!: string;

  @Field(() => SdkServiceParams)
  serviceParams!: SdkServiceParams;

  @Field(() => Int, { nullable: true, description: 'autoSwitch as answered (undocumented by the platform)' })
  autoSwitch?: number;
}

@ObjectType({ description: 'A direct-call binding removed (or scheduled to end)' })
export class DirectCallUnbinding {
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field()
  telA!: string;

  @Field()
  orderId!: string;

  @Field(() => Int, { description: 'Seconds until the binding ends (0 = now)' })
  delaySeconds!: number;
}
