import { BadInputError, UpstreamUnavailableError } from '../errors';
import type { PlaceCallbackInput, PlacedCallback } from '../schema/makecall';
import { isPhoneNumber, toOptionalString } from '../upstream/convert';
import { DataSource } from './datasource';

/** Two-way callback (`/api/sip/makecall` on the cc host). */
export class MakecallDataSource extends DataSource {
  async place(input: PlaceCallbackInput): Promise<PlacedCallback> {
    if (!isPhoneNumber(input.caller)) throw new BadInputError('caller', `"${input.caller}" is not a phone number`);
    if (!isPhoneNumber(input.called)) throw new BadInputError('called', `"${input.called}" is not a phone number`);
    if (input.caller === input.called) throw new BadInputError('called', 'must differ from caller');
    const body: Record<string, unknown> = { caller: input.caller, called: input.called };
    if (input.displayNumber !== undefined && input.displayNumber !== null) {
      if (!isPhoneNumber(input.displayNumber)) throw new BadInputError('displayNumber', `"${input.displayNumber}" is not a phone number`);
      body.callnum = input.displayNumber;
    }
    if (input.mode) body.type = input.mode;
    if (input.userData !== undefined && input.userData !== null) body.userData = input.userData;
    const { data } = await this.ctx.call<{ callId?: unknown }>('makecall.create', { body });
    const callId = toOptionalString(data?.callId);
    if (!callId) throw new UpstreamUnavailableError('makecall.create', 'no callId in the answer');
    return { callId };
  }
}
