import { randomUUID } from 'node:crypto';
import { BadInputError, UpstreamUnavailableError } from '../errors';
import { CallerDisplay, PrivacyBindingModel, type PrivacyBinding, type PrivacyBindingInput, type PrivacyUnbinding } from '../schema/pns';
import { checkMaxLength, isPhoneNumber, toOptionalString } from '../upstream/convert';
import { DataSource } from './datasource';

/** "0001" also means success: overwritten (AXB/AXG) or already bound (AX). */
const REBOUND = '0001';

/** A client request id, or a fresh one, so a retry of the same request is de-duplicated by the platform. */
function requestIdOf(given: string | undefined | null): string {
  if (given === undefined || given === null) return randomUUID().replace(/-/g, '');
  if (!given.trim()) throw new BadInputError('requestId', 'must not be empty when given');
  checkMaxLength('requestId', given, 50);
  return given;
}

/** The endpoints of each binding model (spec/endpoints.json ids). */
const ENDPOINTS: Record<PrivacyBindingModel, { bind: string; unbind: string }> = {
  [PrivacyBindingModel.AXB]: { bind: 'pns.axb.bind', unbind: 'pns.axb.unbind' },
  [PrivacyBindingModel.AX]: { bind: 'pns.ax.bind', unbind: 'pns.ax.unbind' },
  [PrivacyBindingModel.AXG]: { bind: 'pns.axg.bind', unbind: 'pns.axg.unbind' },
};

/** Privacy numbers AXB, AX and AXG (family `pns`). */
export class PnsDataSource extends DataSource {
  async bind(model: PrivacyBindingModel, input: PrivacyBindingInput): Promise<PrivacyBinding> {
    const requestId = requestIdOf(input.requestId);
    if (!isPhoneNumber(input.telA)) throw new BadInputError('telA', `"${input.telA}" is not a phone number`);
    const body: Record<string, unknown> = { requestId, telA: input.telA };
    if (model === PrivacyBindingModel.AX) {
      if (input.telB) throw new BadInputError('telB', 'is not used by an AX binding');
    } else {
      if (!input.telB || !isPhoneNumber(input.telB)) throw new BadInputError('telB', `"${input.telB ?? ''}" is not a phone number`);
      body.telB = input.telB;
    }
    if (input.telX !== undefined && input.telX !== null) {
      if (!isPhoneNumber(input.telX)) throw new BadInputError('telX', `"${input.telX}" is not a phone number`);
      body.telX = input.telX;
    }
    if (input.areaCode !== undefined && input.areaCode !== null) {
      if (!/^\d{2,5}$/.test(input.areaCode)) throw new BadInputError('areaCode', 'must be 2–5 digits');
      body.areaCode = input.areaCode;
    }
    if (input.expiresInSeconds !== undefined && input.expiresInSeconds !== null) {
      if (input.expiresInSeconds <= 0) throw new BadInputError('expiresInSeconds', 'must be positive (omit it for a permanent binding)');
      body.expiration = input.expiresInSeconds;
    }
    if (input.userData !== undefined && input.userData !== null) {
      checkMaxLength('userData', input.userData, 200);
      body.userData = input.userData;
    }
    if (input.callerDisplay !== undefined && input.callerDisplay !== null) {
      if (model === PrivacyBindingModel.AXG) throw new BadInputError('callerDisplay', 'is not supported by AXG bindings');
      if (model === PrivacyBindingModel.AX && input.callerDisplay > CallerDisplay.SHOW_A) {
        throw new BadInputError('callerDisplay', 'an AX binding accepts HIDDEN or SHOW_A only');
      }
      body.callDisplay = input.callerDisplay;
    }
    for (const field of ['identityNumber', 'identityName'] as const) {
      const value = input[field];
      if (value === undefined || value === null) continue;
      if (model !== PrivacyBindingModel.AX) throw new BadInputError(field, 'is used by AX bindings only');
      checkMaxLength(field, value, 20);
      body[field] = value;
    }
    const endpoint = ENDPOINTS[model].bind;
    const { data, code } = await this.ctx.call<{ bindId?: unknown; telX?: unknown }>(endpoint, { body, alsoSuccess: [REBOUND] });
    const bindId = toOptionalString(data?.bindId);
    const telX = toOptionalString(data?.telX);
    if (!bindId || !telX) throw new UpstreamUnavailableError(endpoint, 'no bindId or telX in the answer');
    return { model, bindId, telX, requestId, overwritten: code === REBOUND };
  }

  async unbind(model: PrivacyBindingModel, bindId: string, givenRequestId?: string | null): Promise<PrivacyUnbinding> {
    if (!bindId.trim()) throw new BadInputError('bindId', 'must not be empty');
    const requestId = requestIdOf(givenRequestId);
    await this.ctx.call(ENDPOINTS[model].unbind, { body: { bindId, requestId } });
    return { bindId, requestId };
  }
}
