module github.com/rescuegrid/rescuegrid

go 1.26.0

require (
	github.com/paulmach/orb v0.14.0
	github.com/paulmach/osm v0.8.0
	github.com/uber/h3-go/v4 v4.3.0
	golang.org/x/term v0.47.0
)

require (
	github.com/datadog/czlib v0.0.0-20160811164712-4bc9a24e37f2 // indirect
	github.com/paulmach/protoscan v0.2.1 // indirect
	go.mongodb.org/mongo-driver/v2 v2.5.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	google.golang.org/protobuf v1.34.2 // indirect
)
