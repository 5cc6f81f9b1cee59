import type { GatewayOptions } from './app';
import { webhookReceiver } from './hooks/receiver';

/** Features started with every gateway (the webhook receiver, IVR routing, …); each adds itself here. */
export const features: NonNullable<GatewayOptions['features']> = [webhookReceiver];
