package server

import "github.com/labstack/echo/v4"

// pageRoutes registers the HTML pages (owned by pages*.go).
func (s *Server) pageRoutes(e *echo.Echo) {}
