// The cdk8s-cli validation plugin (cdk8s.yaml: class MeshkitValidation).
export { MeshkitValidation, type MeshkitValidationProps } from './plugin';
