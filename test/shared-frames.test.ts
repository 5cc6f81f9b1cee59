import { SharedFrames } from '../src/subscriptions/shared-frames';

/** What graphql-ws does for each message: serialise with the replacer, then hand the text to the socket. */
const wire = (frames: SharedFrames, message: unknown) => {
  const out = frames.take(JSON.stringify(message, frames.replacer));
  return typeof out === 'string' ? out : out.toString('utf8');
};

describe('shared frames of next messages', () => {
  it('writes exactly the message graphql-ws would, for every subscription id', () => {
    const frames = new SharedFrames();
    const payload = frames.share({ data: { callEnded: { callId: 'c-1', note: 'caf\u00e9 "quoted"', n: 3, nested: [1, null] } } });
    for (const id of ['1', 'f3c1-uuid', 'with "quote"']) {
      const message = { id, type: 'next', payload };
      expect(wire(frames, message)).toBe(JSON.stringify(message));
    }
  });

  it('serialises a payload object once, however many subscribers receive it', () => {
    const frames = new SharedFrames();
    let serialised = 0;
    const payload = frames.share({ data: { tick: { toJSON: () => (serialised++, 'value') } } });
    for (let i = 0; i < 50; i++) wire(frames, { id: String(i), type: 'next', payload });
    expect(serialised).toBe(1);
    wire(frames, { id: '1', type: 'next', payload: frames.share({ data: { tick: { toJSON: () => (serialised++, 'other') } } }) });
    expect(serialised).toBe(2);
  });

  it('leaves every other message as graphql-ws wrote it, also one that only looks like a shared one', () => {
    const frames = new SharedFrames();
    frames.share({ data: { x: 1 } });
    for (const message of [
      { id: '1', type: 'next', payload: { data: { x: 1 } } },
      { type: 'connection_ack' },
      { id: '1', type: 'complete' },
      { id: '1', type: 'error', payload: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }] },
      { type: 'pong', payload: { '': { id: 'x', type: 'next', payload: {} } } },
    ]) {
      expect(wire(frames, message)).toBe(JSON.stringify(message));
    }
  });

  it('refuses a ticket that is not the one outstanding, rather than write another subscriber\u2019s message', () => {
    const frames = new SharedFrames();
    const first = JSON.stringify({ id: 'a', type: 'next', payload: frames.share({ data: { x: 1 } }) }, frames.replacer);
    const second = JSON.stringify({ id: 'b', type: 'next', payload: frames.share({ data: { x: 2 } }) }, frames.replacer);
    expect(() => frames.take(first)).toThrow(/out of order/);
    // A ticket is good once.
    expect(() => frames.take(second)).toThrow(/out of order/);
    const third = JSON.stringify({ id: 'c', type: 'next', payload: frames.share({ data: { x: 3 } }) }, frames.replacer);
    expect(frames.take(third).toString()).toBe('{"id":"c","type":"next","payload":{"data":{"x":3}}}');
    expect(() => frames.take(third)).toThrow(/out of order/);
  });
});
