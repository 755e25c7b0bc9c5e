from setuptools import find_packages, setup

with open("README.md", encoding="utf-8") as fh:
    long_description = fh.read()

setup(
    name="skycast",
    version="0.1.4",
    description="Human-friendly formatting for weather readings",
    long_description=long_description,
    long_description_content_type="text/markdown",
    author="Skycast Authors",
    license="MIT",
    packages=find_packages(exclude=["tests", "tests.*"]),
    python_requires=">=3.9",
    install_requires=[],
    extras_require={"test": ["pytest>=7.0"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "License :: OSI Approved :: MIT License",
        "Operating System :: OS Independent",
    ],
)
