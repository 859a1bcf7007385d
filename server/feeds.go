package server

import "github.com/labstack/echo/v4"

// feedRoutes registers the iCalendar feeds (owned by feeds*.go).
func (s *Server) feedRoutes(e *echo.Echo) {}
