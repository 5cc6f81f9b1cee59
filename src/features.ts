import type { GatewayOptions } from './app';
import { liveStateFeature } from './subscriptions/live-state';

/** Features started with every gateway (the event backbone, IVR routing, …); each adds itself here. */
export const features: NonNullable<GatewayOptions['features']> = [liveStateFeature];
