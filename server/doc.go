// Package server owns the HTTP surface of majlis: echo routes and
// middleware, the one error handler that maps domain errors to JSON, the
// JSON API under /api/v1, the OpenAPI document, and page rendering.
//
// It is the only package that imports echo.
//
// Concurrency: a Server is goroutine-safe once built; handlers share no
// mutable state except through the store and caches guarded here.
package server
