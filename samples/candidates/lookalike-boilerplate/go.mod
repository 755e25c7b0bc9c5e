module github.com/skycast-dev/skycast

go 1.21
