import type { EndpointId } from '../../spec/endpoint-ids';
import { randomUUID } from 'node:crypto';
import { BadInputError, UpstreamUnavailableError } from '../errors';
import { CallerDisplay, PrivacyBindingModel, type PrivacyBinding, type PrivacyBindingInput, type PrivacyUnbinding } from '../schema/pns';
import { checkMaxLength, toOptionalString } from '../upstream/convert';
import { DataSource } from './datasource';

/** "0001" also means success: overwritten (AXB/AXG) or already bound (AX). */
const REBOUND = '0001';

/** A client request id, or a fresh one, so a retry of the same request is de-duplicated by the platform. */
function requestIdOf(given: string | undefined | null): string {
  if (given === undefined || given === null) return randomUUID().replace(/-/g, '');
  if (!given.trim()) throw new BadInputError('requestId', 'must not be empty when given');
  checkMaxLength('requestId', given, 50); // spec: requestId max length 50
  return given;
}

/** The endpoints of each binding model (spec/endpoints.json ids). */
const ENDPOINTS: Record<PrivacyBindingModel, { bind: EndpointId; unbind: EndpointId }> = {
  [PrivacyBindingModel.AXB]: { bind: 'pns.axb.bind', unbind: 'pns.axb.unbind' },
  [PrivacyBindingModel.AX]: { bind: 'pns.ax.bind', unbind: 'pns.ax.unbind' },
  [PrivacyBindingModel.AXG]: { bind: 'pns.axg.bind', unbind: 'pns.axg.unbind' },
};

/**
 * Privacy numbers AXB, AX and AXG (family `pns`). telA/telB/telX arrive as `Phone` values, already
 * validated and in national form ("+86 138…" → "138…"), which is what the platform gets.
 */
export class PnsDataSource extends DataSource {
  async bind(model: PrivacyBindingModel, input: PrivacyBindingInput): Promise<PrivacyBinding> {
    const requestId = requestIdOf(input.requestId);
    const body: Record<string, unknown> = { requestId, telA: input.telA };
    if (model === PrivacyBindingModel.AX) {
      if (input.telB) throw new BadInputError('telB', 'is not used by an AX binding');
    } else {
      if (!input.telB) throw new BadInputError('telB', `is required by an ${model.toUpperCase()} binding`);
      body.telB = input.telB;
    }
    if (input.telX !== undefined && input.telX !== null) body.telX = input.telX;
    if (input.areaCode !== undefined && input.areaCode !== null) {
      // spec: areaCode is a string of at most 5 characters ("010" in the examples).
      if (!/^\d{1,5}$/.test(input.areaCode))
        throw new BadInputError('areaCode', `"${input.areaCode}" is not an area code (digits, at most 5)`);
      body.areaCode = input.areaCode;
    }
    if (input.expiresInSeconds !== undefined && input.expiresInSeconds !== null) {
      if (input.expiresInSeconds <= 0) throw new BadInputError('expiresInSeconds', 'must be positive (omit it for a permanent binding)');
      body.expiration = input.expiresInSeconds;
    }
    if (input.userData !== undefined && input.userData !== null) {
      checkMaxLength('userData', input.userData, 200); // spec: at most 200 characters
      body.userData = input.userData;
    }
    if (input.callerDisplay !== undefined && input.callerDisplay !== null) {
      if (model === PrivacyBindingModel.AXG) throw new BadInputError('callerDisplay', 'is not supported by AXG bindings');
      // spec (codes.json pnsCallDisplay): 0–3 for AXB, 0–1 for AX; AXG has no callDisplay.
      if (model === PrivacyBindingModel.AX && input.callerDisplay > CallerDisplay.SHOW_A) {
        throw new BadInputError('callerDisplay', 'an AX binding accepts HIDDEN or SHOW_A only');
      }
      body.callDisplay = input.callerDisplay;
    }
    for (const field of ['identityNumber', 'identityName'] as const) {
      const value = input[field];
      if (value === undefined || value === null) continue;
      if (model !== PrivacyBindingModel.AX) throw new BadInputError(field, 'is used by AX bindings only');
      checkMaxLength(field, value, 20); // spec: AX identityNumber / identityName max length 20
      body[field] = value;
    }
    const endpoint = ENDPOINTS[model].bind;
    const { data, code } = await this.ctx.call<{ bindId?: unknown; telX?: unknown }>(endpoint, { body, alsoSuccess: [REBOUND] });
    const bindId = toOptionalString(data?.bindId);
    const telX = toOptionalString(data?.telX);
    if (!bindId || !telX) throw new UpstreamUnavailableError(endpoint, 'no bindId or telX in the answer');
    return { id: bindId, model, bindId, telX, requestId, overwritten: code === REBOUND };
  }

  async unbind(model: PrivacyBindingModel, bindId: string, givenRequestId?: string | null): Promise<PrivacyUnbinding> {
    if (!bindId.trim()) throw new BadInputError('bindId', 'must not be empty');
    const requestId = requestIdOf(givenRequestId);
    await this.ctx.call(ENDPOINTS[model].unbind, { body: { bindId, requestId } });
    return { bindId, requestId };
  }
}
