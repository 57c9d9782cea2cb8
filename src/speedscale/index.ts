export { SpeedscaleCapture } from './capture';
export type { SpeedscaleCaptureProps, SpeedscaleIstioOptions } from './capture';
export { SpeedscaleProxyProtocol, SpeedscaleProxyType } from './proxy';
