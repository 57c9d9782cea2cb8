import { analyzeWiring } from './engine';
import { WiringContext, WiringFinding, WiringReport } from './model';

/**
 * The wiring checks over plain manifest JSON: Gateway selectors against the ingress gateway pods,
 * VirtualService gateways, hosts across Gateway, VirtualService, Certificate and
 * AuthorizationPolicy, `credentialName` against Certificates in the ingress namespace, unique
 * Gateway port names, VirtualService destinations against Services and their ports, Service
 * selectors and target ports against the pods. Entries of other kinds are counted and ignored;
 * the checks never throw.
 */
export class WiringChecks {
  /** The findings for `manifests`, each naming both objects that disagree. */
  public static check(manifests: any[], context?: WiringContext): WiringFinding[] {
    return analyzeWiring(manifests, context).findings;
  }

  /** Findings, resolved links (the topology) and counts of checked and ignored entries. */
  public static analyze(manifests: any[], context?: WiringContext): WiringReport {
    return analyzeWiring(manifests, context);
  }

  private constructor() {}
}
