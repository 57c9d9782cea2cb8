// Public API of the topology picture; the builder and renderers stay internal.
export { Topology } from './topology-class';
export { type TopologyEdge, type TopologyNode, TopologyNodeKind } from './model';
