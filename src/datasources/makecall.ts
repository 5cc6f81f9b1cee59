import { BadInputError, UpstreamUnavailableError } from '../errors';
import type { PlaceCallbackInput, PlacedCallback } from '../schema/makecall';
import { toOptionalString } from '../upstream/convert';
import { DataSource } from './datasource';

/** Two-way callback (`/api/sip/makecall` on the cc host). */
export class MakecallDataSource extends DataSource {
  async place(input: PlaceCallbackInput): Promise<PlacedCallback> {
    // caller, called and displayNumber are Phones: validated and normalised before the resolver ran.
    if (input.caller === input.called) throw new BadInputError('called', 'must differ from caller');
    const body: Record<string, unknown> = { caller: input.caller, called: input.called };
    if (input.displayNumber !== undefined && input.displayNumber !== null) body.callnum = input.displayNumber;
    if (input.mode) body.type = input.mode;
    if (input.userData !== undefined && input.userData !== null) body.userData = input.userData;
    const { data } = await this.ctx.call<{ callId?: unknown }>('makecall.create', { body });
    const callId = toOptionalString(data?.callId);
    if (!callId) throw new UpstreamUnavailableError('makecall.create', 'no callId in the answer');
    return { id: callId, callId };
  }
}
