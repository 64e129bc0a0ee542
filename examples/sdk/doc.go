// Package sdk holds examples of resilgen on the clients of real SDKs, in a
// module of their own so that resilgen's own go.mod gains no SDK:
//
//   - provisioning: a VPC -> subnet -> instance -> database workflow on the
//     AWS SDK for Go v2's EC2 and RDS clients, journaled on boltstore.
//   - podremediation: pod remediation on client-go's typed clients.
//   - loganalysis: CloudWatch Logs queries and an Anthropic summariser whose
//     SDK talks HTTP to a local server.
//   - openaichat: the OpenAI SDK's chat completions, recorded by request,
//     against a local server.
//   - grpchealth: a generated gRPC client (the health service) against a real
//     server on 127.0.0.1.
//
// Each wraps a narrow interface written in the SDK's own signatures, checked
// against the SDK's client with a `var _ I = (*sdk.Client)(nil)` line. This
// package holds the benchmark of generation on such a package.
package sdk
