// The public API of the wiring checks is the WiringChecks class (jsii carries no free functions to
// other languages); analyzeWiring in engine.ts stays internal.
export { WiringChecks } from './wiring-checks';
export {
  type IngressGatewayPods,
  type WiringContext,
  type WiringFinding,
  type WiringLink,
  type WiringObjectRef,
  type WiringReport,
  WiringRule,
  WiringSeverity,
} from './model';
