"""Seniority from titles; minimum years of experience from descriptions."""

from __future__ import annotations

import pytest

from crawler.normalize.seniority import experience_years_min, seniority


@pytest.mark.parametrize(
    "title, level",
    [
        ("Design Intern Summer 2026", "intern"),
        ("CFO", "executive"),
        ("VP Corporate Marketing Brand & Communications", "executive"),
        ("Associate Vice President Direct Mail Content", "executive"),
        ("Director Product Management", "director"),
        ("Head of Forward Deployment Engineering", "director"),
        ("Principal 3D Character Artist", "principal"),
        ("Principal VC & Startup Ecosystem Lead", "principal"),
        ("Staff DevOps Engineer", "staff"),
        ("Senior / Staff Fullstack Engineer", "staff"),
        ("Lead 3D Environment Artist", "lead"),
        ("Engineering Manager Workload Management", "manager"),
        ("Senior Manager, Strategic Partnerships", "manager"),
        ("Senior Backend Engineer", "senior"),
        ("Sr. Data Engineer", "senior"),
        ("Senior Product Manager", "senior"),
        ("Data Scientist IV", "senior"),
        ("Frontend Engineer II Core Product", "mid"),
        ("Mid-level Python Developer", "mid"),
        ("Junior QA Tester", "junior"),
        ("Entry Level Crypto Market Specialist", "junior"),
        ("Software Engineer New Grad Production Infrastructure", "junior"),
        ("Client Support Analyst I", "junior"),
        # titles that only look like levels
        ("Member of Technical Staff", None),
        ("Account Executive - Italy", None),
        ("Restaurant Account Manager", None),
        ("Product Manager", None),
        ("Payroll Analyst", None),
        ("Executive Brand Operations", None),
    ],
)
def test_levels(title, level):
    assert seniority(title) == level


@pytest.mark.parametrize(
    "text, years",
    [
        ("8+ years designing and delivering complex software systems.", 8),
        ("At least 3 years of experience in Go.", 3),
        ("Doing software engineering for at least 3 years", 3),
        ("Minimum of 2 years of experience (with degree)", 2),
        ("You have 3-5 years of experience in Android development.", 3),
        ("~12 years of experience in corporate marketing", 12),
        ("Experience: 6+ years in customer support", 6),
        ("five or more years of experience", 5),
        ("Android 개발 경력 9년 이상", 9),
        ("4+ years of leadership experience with at least 2 years managing teams", 4),
        ("Founded 25 years ago, we have grown fast.", None),
        ("A 6 month contract, renewable.", None),
        ("We have been helping companies for more than 25 years.", None),
        (None, None),
    ],
)
def test_experience_years(text, years):
    assert experience_years_min(text) == years
