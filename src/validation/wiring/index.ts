export { analyzeWiring, checkWiring } from './engine';
export { WiringChecks } from './wiring-checks';
export {
  type IngressGatewayPods,
  type WiringContext,
  type WiringFinding,
  type WiringLink,
  type WiringObjectRef,
  type WiringReport,
  WiringRule,
} from './model';
