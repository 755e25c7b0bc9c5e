module github.com/quarry-ssg/quarry/tools/linkcheck

go 1.19
