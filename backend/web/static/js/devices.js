// Camera and microphone check: preview, level meter and device choice (enumerateDevices).

export class DeviceCheck {
  constructor({ preview, meter, cameraSelect, micSelect }) {
    this.preview = preview;
    this.meter = meter;
    this.cameraSelect = cameraSelect;
    this.micSelect = micSelect;
    this.stream = null;
    this.audioContext = null;
    this.frame = 0;
  }

  // Returns null on success, else a problem key: "denied", "no-device", "in-use", "unsupported", "other".
  async start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return "unsupported";
    const constraints = {
      video: this.cameraSelect.value ? { deviceId: { exact: this.cameraSelect.value } } : true,
      audio: this.micSelect.value ? { deviceId: { exact: this.micSelect.value } } : true,
    };
    this.stop();
    try {
      this.stream = await navigator.mediaDevices.getUserMedia(constraints);
    } catch (err) {
      return problemOf(err);
    }
    this.preview.srcObject = this.stream;
    await this.listDevices();
    this.meterFrom(this.stream);
    return null;
  }

  async listDevices() {
    const devices = await navigator.mediaDevices.enumerateDevices();
    fill(this.cameraSelect, devices.filter((d) => d.kind === "videoinput"), this.track("video"));
    fill(this.micSelect, devices.filter((d) => d.kind === "audioinput"), this.track("audio"));
  }

  track(kind) {
    return this.stream ? this.stream.getTracks().find((tr) => tr.kind === kind) : undefined;
  }

  meterFrom(stream) {
    if (!stream.getAudioTracks().length || !window.AudioContext) return;
    this.audioContext = new AudioContext();
    const source = this.audioContext.createMediaStreamSource(stream);
    const analyser = this.audioContext.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const tick = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      // RMS scaled so normal speech fills about half of the meter.
      this.meter.value = Math.min(1, Math.sqrt(sum / samples.length) * 4);
      this.frame = requestAnimationFrame(tick);
    };
    tick();
  }

  // Hands the stream over to the call (the preview keeps running until then).
  takeStream() {
    this.stopMeter();
    const stream = this.stream;
    this.stream = null;
    return stream;
  }

  stopMeter() {
    cancelAnimationFrame(this.frame);
    if (this.audioContext) this.audioContext.close();
    this.audioContext = null;
  }

  stop() {
    this.stopMeter();
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
  }
}

function fill(select, devices, activeTrack) {
  const activeId = activeTrack ? activeTrack.getSettings().deviceId : select.value;
  select.replaceChildren();
  devices.forEach((device, i) => {
    const option = document.createElement("option");
    option.value = device.deviceId;
    option.textContent = device.label || `${device.kind === "videoinput" ? "Camera" : "Microphone"} ${i + 1}`;
    option.selected = device.deviceId === activeId;
    select.append(option);
  });
  select.disabled = devices.length === 0;
}

function problemOf(err) {
  switch (err && err.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "denied";
    case "NotFoundError":
    case "OverconstrainedError":
      return "no-device";
    case "NotReadableError":
    case "AbortError":
      return "in-use";
    default:
      return "other";
  }
}
