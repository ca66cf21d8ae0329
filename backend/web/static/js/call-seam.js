// The seam between this page and the call engine (./call.js, owned by the call work).
//
// The page needs: start a call with the local stream and ICE servers, hand it every signalling
// message from the event stream, send its messages through the relay, and get the remote stream,
// chat and state back. If call.js (its CitizenCall class) is missing or fails to load, the page keeps
// working without media: the waiting room, documents and hang-up still work.

export async function createCall({ api, localStream, onRemoteStream, onPartyStream, onChat, onState }) {
  let iceServers = [];
  try {
    iceServers = await api.iceServers();
  } catch {
    /* no STUN/TURN answer: host candidates only, which is enough on the same network */
  }
  let CitizenCall = null;
  try {
    ({ CitizenCall } = await import("./call.js"));
  } catch (err) {
    console.warn("call engine not available", err);
  }
  if (typeof CitizenCall !== "function") return new NoMediaCall(onState);
  const call = new CitizenCall({
    iceServers,
    localStream,
    sendSignal: (message) => api.sendSignal(message),
    onRemoteStream,
    onPartyStream,
    onChat,
    onState,
  });
  return {
    handleSignal: (message) => call.handleSignal(message),
    sendChat: (text) => call.sendChat(text),
    setMicEnabled: (on) => call.setMicEnabled?.(on),
    setCameraEnabled: (on) => call.setCameraEnabled?.(on),
    hangUp: () => call.hangUp(),
    // The CitizenCall itself, for features built on its events (screenshare.js).
    instance: call,
    get hasMedia() {
      return true;
    },
  };
}

class NoMediaCall {
  constructor(onState) {
    this.onState = onState;
  }
  handleSignal() {}
  sendChat() {
    return false;
  }
  setMicEnabled() {}
  setCameraEnabled() {}
  hangUp() {}
  get instance() {
    return null;
  }
  get hasMedia() {
    return false;
  }
}
