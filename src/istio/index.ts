export { type IngressGatewayOptions } from './ingress';
export { type CertManagerTlsOptions, IngressCertificate, type IngressCertificateProps, IngressTls, IssuerRef } from './certificate';
export { IngressHttpsGateway, type IngressHttpsGatewayProps } from './gateway';
export { IngressRoute, type IngressRouteProps, type IngressPathRoute } from './route';
