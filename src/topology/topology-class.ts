import { App } from 'cdk8s';
import { TopologyEdge, TopologyNode } from './model';
import { renderTopology } from './render';
import { buildTopology, TopologyGraph } from './topology';
import { checkManifestDocuments, ManifestReport, ManifestValidationOptions } from '../validation/manifests/checks';
import { inMemoryDocuments, listManifestFiles, readManifestFiles, ReadResult } from '../validation/manifests/documents';
import { appDocuments } from '../validation/manifests/manifest-validation';

/**
 * How traffic flows through a set of manifests, as a picture: ingress gateway → Gateway →
 * VirtualService → Service → workload, the containers of each pod (declared and injected), the
 * upstream clusters of each Envoy and where they lead, ext_authz targets, the Services a workload's
 * configuration calls (Redis, ...), and the objects that failed a check, in red. Write it as a
 * Mermaid flowchart (`toMermaid()`, renders on GitHub) or as Graphviz DOT (`toDot()`,
 * `dot -Tsvg topology.dot > topology.svg`).
 *
 * Built from one run of the manifest checks (`ManifestValidation`), so the links are exactly the
 * references those checks resolved.
 */
export class Topology {
  /** The topology of everything the charts of `app` synthesize (in memory). */
  public static ofApp(app: App, options: ManifestValidationOptions = {}): Topology {
    return new Topology(checkManifestDocuments(inMemoryDocuments(appDocuments(app)), [], options, 'Topology'));
  }

  /** The topology of the manifest files below `directory` (`.yaml`, `.yml`, `.json`). */
  public static ofDirectory(directory: string, options: ManifestValidationOptions = {}): Topology {
    return Topology.of(readManifestFiles(listManifestFiles(directory)), options);
  }

  /** The topology of objects given as plain JSON. */
  public static ofManifests(manifests: any[], options: ManifestValidationOptions = {}): Topology {
    return Topology.of({ documents: inMemoryDocuments((manifests ?? []).map((manifest) => ({ manifest }))), problems: [] }, options);
  }

  private static of(read: ReadResult, options: ManifestValidationOptions): Topology {
    return new Topology(checkManifestDocuments(read.documents, read.problems, options, 'Topology'));
  }

  /** The nodes: objects, containers, Envoy clusters, external hosts. */
  public readonly nodes: TopologyNode[];
  /** The edges between nodes. */
  public readonly edges: TopologyEdge[];
  /** The checks' report the topology was built from (its error findings are the red nodes). */
  public readonly report: ManifestReport;
  private readonly graph: TopologyGraph;

  private constructor(run: ReturnType<typeof checkManifestDocuments>) {
    this.graph = buildTopology(run);
    this.nodes = this.graph.nodes;
    this.edges = this.graph.edges;
    this.report = run.report;
  }

  /** A Mermaid flowchart (`flowchart LR`). */
  public toMermaid(): string {
    return renderTopology(this.graph, 'mermaid');
  }

  /** A Graphviz digraph. */
  public toDot(): string {
    return renderTopology(this.graph, 'dot');
  }
}
