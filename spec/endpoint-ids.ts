// Generated from spec/endpoints.json by scripts/generate-endpoint-ids.js (npm run generate): do not edit.

/** Every platform endpoint id of spec/endpoints.json. */
export const ENDPOINT_IDS = [
  'auth.token',
  'task.create',
  'task.updateStatus',
  'task.status',
  'task.logPage',
  'template.createText',
  'template.createFile',
  'template.list',
  'group.create',
  'group.page',
  'group.update',
  'agent.create',
  'agent.update',
  'agent.page',
  'agent.setStatus',
  'agent.resetPassword',
  'agent.call',
  'agentcontrol.request',
  'makecall.create',
  'directcall.bind',
  'directcall.unbind',
  'pns.axb.bind',
  'pns.axb.unbind',
  'pns.ax.bind',
  'pns.ax.unbind',
  'pns.axg.bind',
  'pns.axg.unbind',
  'notice.token',
  'notice.template.text',
  'notice.template.file',
  'notice.template.list',
  'notice.task.one',
  'notice.task.batch',
  'notice.voicefile.upload',
  'lookup.portability',
  'lookup.location',
  'lookup.phonestate',
  'lookup.numberidentify',
  'lookup.numberidentifyv2',
  'sms.template.list',
  'sms.send',
  'sms.list',
  'flash.template.list',
  'flash.send',
  'flash.list',
  'aim.summary.page',
  'aim.summary.daylist',
  'marking.online',
  'marking.offline',
  'marking.status',
] as const;

/** A platform endpoint id: a typo fails at compile time. */
export type EndpointId = (typeof ENDPOINT_IDS)[number];

/** The platform hosts the endpoints live on. */
export type HostName = 'cc' | 'open' | 'notice';

/** One entry of spec/endpoints.json, as the gateway and the sandbox read it. */
export interface EndpointSpec {
  id: EndpointId;
  family: string;
  host: HostName;
  method: 'GET' | 'POST';
  path: string;
  contentType: 'json' | 'form' | 'multipart' | 'query';
  tokenIn: 'body' | 'query' | 'form' | 'none';
  required: string[];
  optional: string[];
  successCode: string | number;
  errors: { code: string; meaning: string }[];
  section: string;
}
