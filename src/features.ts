import type { GatewayOptions } from './app';
import { ivrEndpoint } from './hooks/ivr';
import { webhookReceiver } from './hooks/receiver';
import { liveStateFeature } from './subscriptions/live-state';

/** Features started with every gateway (the webhook receiver, live agent state, IVR routing, …); each adds itself here. */
export const features: NonNullable<GatewayOptions['features']> = [webhookReceiver, ivrEndpoint, liveStateFeature];
