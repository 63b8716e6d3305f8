"""The Litestar application: GraphQL, REST endpoints, the UI and the admin."""
